//! Calls to a person (with executive-assistant divert and whitelists, their effective
//! device, then their voicemail) and to a shared or critical line.

use entity::enums::Platform;

use super::walk::{Node, Walk, kind_name, list_or_none, show_line};
use super::{EaManagerRole, Leg, LineRoute, Outcome, PersonRoute, PersonSnapshot, Ref, StepKind};
use crate::domain::devices;

impl Walk<'_> {
    /// A call to a person: executive-assistant divert first, then their device and voicemail.
    pub(super) fn person(&mut self, p: &PersonRoute) {
        if !self.enter(Node::Person(p.person.id), &p.person.name) {
            return;
        }
        let name = &p.person.name;
        for role in p.manages.iter().filter(|r| !r.divert_enabled) {
            let step = self.step(
                StepKind::EaDivertOff,
                format!(
                    "{name} is a manager in executive-assistant group {}, with divert off: calls ring {name} directly.",
                    role.group_name
                ),
            );
            step.refs = vec![Ref::EaGroup(role.group_id), Ref::Person(p.person.id)];
        }
        let diverting: Vec<&EaManagerRole> =
            p.manages.iter().filter(|r| r.divert_enabled).collect();
        if diverting.is_empty() {
            return self.ring_person(p);
        }
        let groups: Vec<Ref> = diverting.iter().map(|r| Ref::EaGroup(r.group_id)).collect();
        let delegation = p.person.platform == Platform::Teams
            || diverting.iter().any(|r| r.platform == Platform::Teams);
        let caller = self.input.caller();
        let listed = caller.filter(|c| diverting.iter().any(|r| r.whitelist.contains(c)));
        if delegation {
            let kept: usize = diverting.iter().map(|r| r.whitelist.len()).sum();
            let mut text = format!(
                "On Telephony over Teams executive-assistant working is delegation, which has no whitelist: {name}'s {kept} whitelisted number(s) are kept but inactive."
            );
            if let Some(c) = listed {
                text.push_str(&format!(
                    " The caller {c} is on it, but the call still goes to the assistants."
                ));
            }
            let step = self.step(StepKind::EaDelegation, text);
            step.refs = groups.clone();
            step.number = listed.cloned();
        } else if let Some(c) = listed {
            let step = self.step(
                StepKind::EaWhitelisted,
                format!(
                    "The caller {c} is on {name}'s whitelist: the call goes straight through to {name}."
                ),
            );
            step.refs = groups;
            step.refs.push(Ref::Person(p.person.id));
            step.number = Some(c.clone());
            return self.ring_person(p);
        }

        let mut assistants: Vec<&PersonSnapshot> = Vec::new();
        for a in diverting.iter().flat_map(|r| r.assistants.iter()) {
            if a.id != p.person.id && !assistants.iter().any(|x| x.id == a.id) {
                assistants.push(a);
            }
        }
        let why = match (delegation, caller) {
            (true, _) => String::new(),
            (false, Some(c)) => format!(" (the caller {c} is not on the whitelist)"),
            (false, None) => {
                " (the caller's number is unknown, so no whitelist entry can match)".to_owned()
            }
        };
        let names: Vec<&str> = assistants.iter().map(|a| a.name.as_str()).collect();
        let step = self.step(
            StepKind::EaDivert,
            format!(
                "Calls to {name} divert to the assistant(s){why}: {}.",
                list_or_none(&names)
            ),
        );
        step.refs = groups;
        step.refs
            .extend(assistants.iter().map(|a| Ref::Person(a.id)));

        let mut legs = Vec::new();
        for a in assistants {
            if let Some(leg) = self.ring_device(a) {
                legs.push(leg);
            }
        }
        if legs.is_empty() {
            let step = self.step(
                StepKind::EaNoAssistant,
                format!("No assistant can take the call, so it rings {name} directly."),
            );
            step.refs = vec![Ref::Person(p.person.id)];
            return self.ring_person(p);
        }
        let rings = p.rings_before_voicemail;
        self.offer(Outcome::Rings { legs, rings });
        self.person_voicemail(
            p,
            Some(&format!("If no assistant answers within {rings} rings")),
        );
    }

    /// Rings a person's effective device, then their voicemail.
    fn ring_person(&mut self, p: &PersonRoute) {
        match self.ring_device(&p.person) {
            Some(leg) => {
                let rings = p.rings_before_voicemail;
                self.offer(Outcome::Rings {
                    legs: vec![leg],
                    rings,
                });
                self.person_voicemail(
                    p,
                    Some(&format!(
                        "If {} does not answer within {rings} rings",
                        p.person.name
                    )),
                );
            }
            None => self.person_voicemail(p, None),
        }
    }

    /// The step for the device that rings for a person (or that nothing can), and its leg.
    fn ring_device(&mut self, person: &PersonSnapshot) -> Option<Leg> {
        let name = &person.name;
        let chosen =
            devices::effective_preferred(person.platform, person.preferred_device, &person.devices);
        let Some(device) = chosen.and_then(|id| person.devices.iter().find(|d| d.id == id)) else {
            let why = match person.platform {
                Platform::Teams => {
                    "on Telephony over Teams only the Teams client rings, and there is no active one"
                }
                Platform::Chorus => "no active desk phone, softphone or mobile app",
            };
            let step = self.step(
                StepKind::NoDevice,
                format!("{name} has no device that can ring ({why})."),
            );
            step.refs = vec![Ref::Person(person.id)];
            return None;
        };
        let kind = kind_name(device.kind);
        let text = match (person.platform, person.preferred_device) {
            (Platform::Teams, _) => {
                format!("{name} is on Telephony over Teams: their {kind} rings.")
            }
            (Platform::Chorus, Some(p)) if p == device.id => {
                format!("{name}'s preferred device, their {kind}, rings.")
            }
            (Platform::Chorus, Some(_)) => format!(
                "{name}'s preferred device cannot ring (disabled, or not a Chorus device): their {kind} rings instead."
            ),
            (Platform::Chorus, None) => format!("{name}'s {kind} rings."),
        };
        let step = self.step(StepKind::Device, text);
        step.refs = vec![Ref::Person(person.id), Ref::Device(device.id)];
        Some(Leg {
            person: person.id,
            device: device.id,
        })
    }

    /// The person's voicemail, after `when` (`None`: straight away, nothing rang).
    fn person_voicemail(&mut self, p: &PersonRoute, when: Option<&str>) {
        let name = &p.person.name;
        match &p.line {
            Some(line) => {
                let text = match when {
                    None => format!(
                        "So the call goes straight to {name}'s voicemail on {}.",
                        show_line(line)
                    ),
                    Some(when) => format!(
                        "{when}, the call goes to {name}'s voicemail on {}.",
                        show_line(line)
                    ),
                };
                self.voicemail(line, text);
            }
            None => {
                let step = self.step(
                    StepKind::Released,
                    format!(
                        "{name} has no line of their own, so no mailbox: the call is released."
                    ),
                );
                step.refs = vec![Ref::Person(p.person.id)];
                self.offer(Outcome::Released);
            }
        }
    }

    /// A shared or critical line: its working Chorus devices ring at once, then its mailbox.
    pub(super) fn line(&mut self, l: &LineRoute) {
        if !self.enter(Node::Line(l.line.id), &show_line(&l.line)) {
            return;
        }
        // Shared and critical lines cannot move: they ring Chorus devices.
        let legs: Vec<Leg> = l
            .devices
            .iter()
            .filter(|d| {
                d.status == entity::enums::DeviceStatus::Active
                    && devices::kind_works_on(d.kind, Platform::Chorus).is_ok()
            })
            .map(|d| Leg {
                person: d.owner_id,
                device: d.id,
            })
            .collect();
        if legs.is_empty() {
            let step = self.step(
                StepKind::NoDevice,
                "No working device is attached to the line.".to_owned(),
            );
            step.refs = vec![Ref::Line(l.line.id)];
            let text = format!(
                "So the call goes straight to the line's voicemail on {}.",
                show_line(&l.line)
            );
            return self.voicemail(&l.line, text);
        }
        let step = self.step(
            StepKind::Device,
            format!("{} device(s) on the line ring at once.", legs.len()),
        );
        step.refs = legs.iter().map(|leg| Ref::Device(leg.device)).collect();
        let rings = l.rings_before_voicemail;
        self.offer(Outcome::Rings { legs, rings });
        let text = format!(
            "If nobody answers within {rings} rings, the call goes to the line's voicemail on {}.",
            show_line(&l.line)
        );
        self.voicemail(&l.line, text);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;

    #[test]
    fn calls_to_people() {
        let dest = |p| Some(Destination::Person(route(p, 10, "70001")));
        run(vec![
            Case {
                name: "unknown number",
                input: call("+44 1865 279999", OUTSIDE, june(), None),
                outcome: Outcome::NotInService,
                then: vec![],
                steps: vec![S::NotInService],
            },
            Case {
                name: "desk phone, then voicemail",
                input: call("70001", "70002", june(), dest(desk(1, "Ada"))),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 0)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Resolved, S::Device, S::Voicemail],
            },
            Case {
                name: "preferred softphone rings",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(
                        1,
                        "Ada",
                        Chorus,
                        &[(DeskPhone, Active), (Softphone, Active)],
                        Some(1),
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 1)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Device, S::Voicemail],
            },
            Case {
                name: "disabled preferred device falls back to the desk phone",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(
                        1,
                        "Ada",
                        Chorus,
                        &[(DeskPhone, Active), (MobileApp, Disabled)],
                        Some(1),
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 0)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Device, S::Voicemail],
            },
            Case {
                name: "no working device: straight to voicemail",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(
                        1,
                        "Ada",
                        Chorus,
                        &[(DeskPhone, Disabled), (TeamsClient, Active)],
                        None,
                    )),
                ),
                outcome: mailbox(10, "70001"),
                then: vec![],
                steps: vec![S::NoDevice, S::Voicemail],
            },
            Case {
                name: "on Teams the Teams client rings, the old desk phone does not",
                input: call("70001", OUTSIDE, june(), dest(teams(1, "Ada"))),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 1)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Device, S::Voicemail],
            },
            Case {
                name: "on Teams without a Teams client: voicemail",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(1, "Ada", Teams, &[(DeskPhone, Active)], Some(0))),
                ),
                outcome: mailbox(10, "70001"),
                then: vec![],
                steps: vec![S::NoDevice, S::Voicemail],
            },
            Case {
                name: "a shared line rings its devices",
                input: call(
                    "70700",
                    OUTSIDE,
                    june(),
                    Some(Destination::Line(LineRoute {
                        line: line(700, "+441865270700", "70700"),
                        label: Some("Porters' Lodge".into()),
                        devices: desk(7, "Lodge")
                            .devices
                            .into_iter()
                            .chain(person(8, "x", Chorus, &[(DeskPhone, Disabled)], None).devices)
                            .collect(),
                        rings_before_voicemail: 6,
                    })),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(7, 0)],
                    rings: 6,
                },
                then: vec![Outcome::Voicemail {
                    mailbox: line(700, "+441865270700", "70700"),
                }],
                steps: vec![S::Resolved, S::Device, S::Voicemail],
            },
        ]);
    }

    #[test]
    fn executive_assistants() {
        let assistants = || vec![desk(2, "Bea Assistant"), desk(3, "Cal Assistant")];
        let to_assistants = Outcome::Rings {
            legs: vec![leg(2, 0), leg(3, 0)],
            rings: 4,
        };
        let to_manager = |device| Outcome::Rings {
            legs: vec![leg(1, device)],
            rings: 4,
        };
        let mut from_colleague = call(
            "70001",
            "70100",
            june(),
            Some(manager(Chorus, true, assistants())),
        );
        from_colleague.caller_e164 = Some(e164("+441865270100"));
        run(vec![
            Case {
                name: "caller not on the whitelist: the assistants ring",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(Chorus, true, assistants())),
                ),
                outcome: to_assistants.clone(),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Resolved, S::EaDivert, S::Device, S::Device, S::Voicemail],
            },
            Case {
                name: "whitelisted caller: straight through to the manager",
                input: call(
                    "70001",
                    "07911 123456",
                    june(),
                    Some(manager(Chorus, true, assistants())),
                ),
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaWhitelisted, S::Device, S::Voicemail],
            },
            Case {
                name: "whitelisted colleague calling from an extension",
                input: from_colleague,
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaWhitelisted],
            },
            Case {
                name: "unknown extension cannot match the whitelist",
                input: call(
                    "70001",
                    "70100",
                    june(),
                    Some(manager(Chorus, true, assistants())),
                ),
                outcome: to_assistants.clone(),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaDivert],
            },
            Case {
                name: "divert off: the manager rings for everyone",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(Chorus, false, assistants())),
                ),
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaDivertOff, S::Device, S::Voicemail],
            },
            Case {
                name: "Teams delegation: a whitelisted caller still goes to the assistants",
                input: call(
                    "70001",
                    VIP,
                    june(),
                    Some(manager(
                        Teams,
                        true,
                        vec![teams(2, "Bea Assistant"), teams(3, "Cal Assistant")],
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(2, 1), leg(3, 1)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![
                    S::EaDelegation,
                    S::EaDivert,
                    S::Device,
                    S::Device,
                    S::Voicemail,
                ],
            },
            Case {
                name: "no assistant can ring: the manager rings after all",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(
                        Chorus,
                        true,
                        vec![person(2, "Bea", Chorus, &[(DeskPhone, Disabled)], None)],
                    )),
                ),
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![
                    S::EaDivert,
                    S::NoDevice,
                    S::EaNoAssistant,
                    S::Device,
                    S::Voicemail,
                ],
            },
            Case {
                name: "one assistant without a device: the other rings",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(
                        Chorus,
                        true,
                        vec![person(2, "Bea", Chorus, &[], None), desk(3, "Cal")],
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(3, 0)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaDivert, S::NoDevice, S::Device],
            },
        ]);
    }

    #[test]
    fn the_explanation_names_the_whitelist_and_its_inactivity() {
        let e = explain(&call(
            "70001",
            VIP,
            june(),
            Some(manager(Chorus, true, vec![desk(2, "Bea")])),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::EaWhitelisted)
            .expect("whitelisted");
        assert!(
            step.text.contains(VIP) && step.text.contains("Irene Adler"),
            "{}",
            step.text
        );
        assert_eq!(step.number, Some(e164(VIP)));
        assert!(step.refs.contains(&Ref::EaGroup(id(900))));

        let e = explain(&call(
            "70001",
            VIP,
            june(),
            Some(manager(Teams, true, vec![teams(2, "Bea")])),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::EaDelegation)
            .expect("delegation");
        assert!(step.text.contains("kept but inactive"), "{}", step.text);
        assert!(step.text.contains("2 whitelisted"), "{}", step.text);
        assert!(
            step.text.contains("still goes to the assistants"),
            "{}",
            step.text
        );
    }
}
