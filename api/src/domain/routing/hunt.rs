//! Calls to a hunt group: its members rung one after another or all at once, those who
//! cannot ring skipped, then the group's no-answer destination.

use entity::enums::HuntStrategy;

use super::walk::{Node, Walk, kind_name, platform_name};
use super::{HuntGroupSnapshot, HuntLeg, HuntMember, Outcome, Ref, StepKind};
use crate::domain::devices;

impl Walk<'_> {
    /// A call to a hunt group (the rules are in the module documentation of `routing`).
    pub(super) fn hunt(&mut self, g: &HuntGroupSnapshot) {
        if !self.enter(Node::HuntGroup(g.id), &format!("hunt group {}", g.name)) {
            return;
        }
        let how = match g.strategy {
            HuntStrategy::Sequential => {
                "rings its members one after another, in order, until someone answers"
            }
            HuntStrategy::Simultaneous => "rings all its members at once",
        };
        let step = self.step(
            StepKind::Hunt,
            format!(
                "Hunt group {} (on {}) {how}.",
                g.name,
                platform_name(g.platform)
            ),
        );
        step.refs = vec![Ref::HuntGroup(g.id)];

        let mut members: Vec<&HuntMember> = g.members.iter().collect();
        members.sort_by_key(|m| (m.position, m.person.id));
        let mut legs: Vec<HuntLeg> = Vec::new();
        for m in members {
            let name = &m.person.name;
            let skipped = if m.opted_out {
                Some(format!(
                    "{name} has opted out of the group and is not rung."
                ))
            } else if m.person.platform != g.platform {
                Some(format!(
                    "{name} is on {} but the group is on {}: not rung.",
                    platform_name(m.person.platform),
                    platform_name(g.platform)
                ))
            } else {
                None
            };
            if let Some(text) = skipped {
                let step = self.step(StepKind::HuntSkipped, text);
                step.refs = vec![Ref::Person(m.person.id)];
                continue;
            }
            let chosen = devices::effective_preferred(
                m.person.platform,
                m.person.preferred_device,
                &m.person.devices,
            );
            let Some(device) = chosen.and_then(|id| m.person.devices.iter().find(|d| d.id == id))
            else {
                let step = self.step(
                    StepKind::HuntSkipped,
                    format!("{name} has no device that can ring and is skipped."),
                );
                step.refs = vec![Ref::Person(m.person.id)];
                continue;
            };
            let kind = kind_name(device.kind);
            let text = match g.strategy {
                HuntStrategy::Sequential => format!(
                    "{}. {name}'s {kind} rings for {} s.",
                    legs.len() + 1,
                    m.ring_seconds
                ),
                HuntStrategy::Simultaneous => format!("{name}'s {kind} rings."),
            };
            let step = self.step(StepKind::HuntMember, text);
            step.refs = vec![Ref::Person(m.person.id), Ref::Device(device.id)];
            step.ring_seconds = Some(m.ring_seconds);
            legs.push(HuntLeg {
                person: m.person.id,
                device: device.id,
                ring_seconds: m.ring_seconds,
            });
        }
        if legs.is_empty() {
            let step = self.step(
                StepKind::HuntEmpty,
                format!(
                    "Nobody in hunt group {} can be rung, so the call goes straight to its no-answer destination.",
                    g.name
                ),
            );
            step.refs = vec![Ref::HuntGroup(g.id)];
            return self.fallback(&g.no_answer, &g.pilot, "No member rings");
        }
        let ring_seconds = match g.strategy {
            HuntStrategy::Sequential => legs.iter().map(|l| l.ring_seconds).sum(),
            HuntStrategy::Simultaneous => legs.iter().map(|l| l.ring_seconds).max().unwrap_or(0),
        };
        self.offer(Outcome::Hunt {
            group: g.id,
            strategy: g.strategy,
            legs,
            ring_seconds,
        });
        let first = self.steps.len();
        self.fallback(
            &g.no_answer,
            &g.pilot,
            &format!("If nobody answers within {ring_seconds} s"),
        );
        if let Some(step) = self.steps.get_mut(first) {
            step.ring_seconds = Some(ring_seconds);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use crate::domain::groups::Fallback;
    use entity::enums::HuntStrategy;

    #[test]
    fn hunt_groups() {
        use HuntStrategy::{Sequential, Simultaneous};
        let pilot_mail = Outcome::Voicemail {
            mailbox: line(1100, "+441865270500", "70500"),
        };
        let four = || {
            vec![
                member(desk(4, "Dan"), 3, 20, false),
                member(desk(2, "Bea"), 1, 15, false),
                member(desk(3, "Cal"), 2, 10, true),
                member(
                    person(5, "Eve", Chorus, &[(Softphone, Active)], Some(0)),
                    4,
                    25,
                    false,
                ),
            ]
        };
        let hleg = |p: u128, s: i32| HuntLeg {
            person: id(p),
            device: dev(p, 0),
            ring_seconds: s,
        };
        let group = |g: HuntGroupSnapshot| Some(Destination::HuntGroup(g));

        let mut to_next = call(
            "70500",
            OUTSIDE,
            june(),
            group(hunt(100, Sequential, four(), Fallback::HuntGroup(id(200)))),
        );
        to_next.targets.hunt_groups.insert(
            id(200),
            Some(hunt(
                200,
                Simultaneous,
                vec![member(desk(6, "Fay"), 1, 30, false)],
                Fallback::Person(id(7)),
            )),
        );
        to_next
            .targets
            .people
            .insert(id(7), Some(route(desk(7, "Gus"), 70, "70007")));

        let mut outside = call(
            "70500",
            OUTSIDE,
            june(),
            group(hunt(
                100,
                Sequential,
                four(),
                Fallback::Number(e164(OUTSIDE)),
            )),
        );
        outside.targets.numbers.insert(e164(OUTSIDE), None);

        let mut by_number = call(
            "70500",
            OUTSIDE,
            june(),
            group(hunt(
                100,
                Sequential,
                four(),
                Fallback::Number(e164("+441865270001")),
            )),
        );
        by_number.targets.numbers.insert(
            e164("+441865270001"),
            Some(Destination::Person(route(desk(1, "Ada"), 10, "70001"))),
        );

        let mut teams_group = hunt(
            100,
            Simultaneous,
            vec![
                member(teams(2, "Bea"), 1, 20, false),
                member(desk(3, "Cal"), 2, 20, false),
            ],
            Fallback::Voicemail,
        );
        teams_group.platform = Teams;

        run(vec![
            Case {
                name: "sequential: position order, the opted-out member skipped",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(100, Sequential, four(), Fallback::Voicemail)),
                ),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![pilot_mail.clone()],
                steps: vec![
                    S::Resolved,
                    S::Hunt,
                    S::HuntMember,
                    S::HuntSkipped,
                    S::HuntMember,
                    S::HuntMember,
                    S::Voicemail,
                ],
            },
            Case {
                name: "simultaneous: the set, for the longest ring time",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(100, Simultaneous, four(), Fallback::Voicemail)),
                ),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Simultaneous,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 25,
                },
                then: vec![pilot_mail.clone()],
                steps: vec![S::Hunt, S::HuntMember, S::HuntSkipped, S::Voicemail],
            },
            Case {
                name: "everyone opted out: straight to the no-answer destination",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(
                        100,
                        Sequential,
                        vec![member(desk(2, "Bea"), 1, 15, true)],
                        Fallback::Voicemail,
                    )),
                ),
                outcome: pilot_mail.clone(),
                then: vec![],
                steps: vec![S::HuntSkipped, S::HuntEmpty, S::Voicemail],
            },
            Case {
                name: "no answer: forwarded outside",
                input: outside,
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![Outcome::Forwarded {
                    number: e164(OUTSIDE),
                }],
                steps: vec![S::Hunt, S::Forwarded],
            },
            Case {
                name: "no answer: to a university number, which is a person",
                input: by_number,
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![
                    Outcome::Rings {
                        legs: vec![leg(1, 0)],
                        rings: 4,
                    },
                    mailbox(10, "70001"),
                ],
                steps: vec![S::Hunt, S::Fallback, S::Resolved, S::Device, S::Voicemail],
            },
            Case {
                name: "no answer: another group, then a person, then their voicemail",
                input: to_next,
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![
                    Outcome::Hunt {
                        group: id(200),
                        strategy: Simultaneous,
                        legs: vec![hleg(6, 30)],
                        ring_seconds: 30,
                    },
                    Outcome::Rings {
                        legs: vec![leg(7, 0)],
                        rings: 4,
                    },
                    mailbox(70, "70007"),
                ],
                steps: vec![
                    S::Hunt,
                    S::Fallback,
                    S::Hunt,
                    S::HuntMember,
                    S::Fallback,
                    S::Device,
                    S::Voicemail,
                ],
            },
            Case {
                name: "no answer: nowhere set, released",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(100, Simultaneous, four(), Fallback::None)),
                ),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Simultaneous,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 25,
                },
                then: vec![Outcome::Released],
                steps: vec![S::Released],
            },
            Case {
                name: "a member on the other platform is not rung",
                input: call("70500", OUTSIDE, june(), group(teams_group)),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Simultaneous,
                    legs: vec![HuntLeg {
                        person: id(2),
                        device: dev(2, 1),
                        ring_seconds: 20,
                    }],
                    ring_seconds: 20,
                },
                then: vec![pilot_mail.clone()],
                steps: vec![S::HuntMember, S::HuntSkipped],
            },
            Case {
                name: "a fallback to a group that no longer exists",
                input: {
                    let mut c = call(
                        "70500",
                        OUTSIDE,
                        june(),
                        group(hunt(
                            100,
                            Sequential,
                            vec![member(desk(2, "Bea"), 1, 15, true)],
                            Fallback::HuntGroup(id(404)),
                        )),
                    );
                    c.targets.hunt_groups.insert(id(404), None);
                    c
                },
                outcome: Outcome::Released,
                then: vec![],
                steps: vec![S::HuntEmpty, S::UnknownTarget],
            },
        ]);
    }
}
