//! The walk through a route: the steps said so far, the outcomes offered, loops cut, and the
//! fallbacks followed (voicemail, a number, a hunt group or a person); also the small helpers
//! that name things in the sentences.

use std::collections::HashSet;

use entity::enums::{DeviceKind, Platform};
use uuid::Uuid;

use super::{Destination, LineRef, MAX_FALLBACK_HOPS, Outcome, Ref, RouteInput, Step, StepKind};
use crate::domain::groups::Fallback;
use crate::domain::phone::Dialled;

/// Something the call can enter once; entering again is a loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Node {
    Person(Uuid),
    Line(Uuid),
    HuntGroup(Uuid),
    Centre(Uuid),
}

/// A route being worked out: the steps said so far, the outcomes offered in order, the nodes
/// entered (to cut loops) and the fallbacks followed.
pub(super) struct Walk<'a> {
    pub(super) input: &'a RouteInput,
    pub(super) steps: Vec<Step>,
    pub(super) offers: Vec<Outcome>,
    pub(super) entered: HashSet<Node>,
    pub(super) hops: usize,
}

impl Walk<'_> {
    /// Says a step; the caller fills in its refs, number and ring time.
    pub(super) fn step(&mut self, kind: StepKind, text: String) -> &mut Step {
        self.steps.push(Step {
            kind,
            text,
            refs: Vec::new(),
            number: None,
            ring_seconds: None,
        });
        let last = self.steps.len() - 1;
        &mut self.steps[last]
    }

    /// Offers the call somewhere: the first offer is the outcome, later ones where it moves on.
    pub(super) fn offer(&mut self, outcome: Outcome) {
        self.offers.push(outcome);
    }

    /// Enters a node; a second time it is a loop and the call is released.
    pub(super) fn enter(&mut self, node: Node, name: &str) -> bool {
        if self.entered.insert(node) {
            return true;
        }
        self.step(
            StepKind::Loop,
            format!("The call comes back to {name}: a loop, so it is released."),
        );
        self.offer(Outcome::Released);
        false
    }

    /// The step naming what a number (dialled, or a fallback) belongs to.
    pub(super) fn resolved(&mut self, destination: &Destination, number: &str) {
        let (text, refs, line) = match destination {
            Destination::Person(p) => (
                format!("{number} is the line of {}.", p.person.name),
                vec![Ref::Person(p.person.id)],
                p.line.as_ref(),
            ),
            Destination::Line(l) => (
                match &l.label {
                    Some(label) => format!("{number} is the shared line \u{201c}{label}\u{201d}."),
                    None => format!("{number} is a shared line."),
                },
                vec![],
                Some(&l.line),
            ),
            Destination::HuntGroup(g) => (
                format!("{number} is the pilot number of hunt group {}.", g.name),
                vec![Ref::HuntGroup(g.id)],
                Some(&g.pilot),
            ),
            Destination::ContactCentre(c) => (
                format!("{number} is the number of contact centre {}.", c.name),
                vec![Ref::ContactCentre(c.id)],
                Some(&c.pilot),
            ),
        };
        let step = self.step(StepKind::Resolved, text);
        step.refs = refs;
        if let Some(line) = line {
            step.refs.push(Ref::Line(line.id));
            step.number = Some(line.number.clone());
        }
    }

    /// Walks into what a number belongs to.
    pub(super) fn destination(&mut self, destination: &Destination) {
        match destination {
            Destination::Person(p) => self.person(p),
            Destination::Line(l) => self.line(l),
            Destination::HuntGroup(g) => self.hunt(g),
            Destination::ContactCentre(c) => self.centre(c),
        }
    }

    /// The call goes to a line's mailbox; `text` says when and why.
    pub(super) fn voicemail(&mut self, line: &LineRef, text: String) {
        let step = self.step(StepKind::Voicemail, text);
        step.refs = vec![Ref::Line(line.id)];
        step.number = Some(line.number.clone());
        self.offer(Outcome::Voicemail {
            mailbox: line.clone(),
        });
    }

    /// Follows a fallback; `mailbox` takes VOICEMAIL; `when` opens the sentence.
    pub(super) fn fallback(&mut self, fallback: &Fallback, mailbox: &LineRef, when: &str) {
        match fallback {
            Fallback::None => {
                self.step(
                    StepKind::Released,
                    format!("{when}, the call is released: no destination is set."),
                );
                self.offer(Outcome::Released);
            }
            Fallback::Voicemail => {
                let text = format!(
                    "{when}, the call goes to voicemail on {}.",
                    show_line(mailbox)
                );
                self.voicemail(mailbox, text);
            }
            Fallback::Number(n) => {
                if !self.hop() {
                    return;
                }
                let input = self.input;
                match input.targets.numbers.get(n) {
                    Some(Some(destination)) => {
                        let step = self.step(
                            StepKind::Fallback,
                            format!("{when}, the call goes on to {n}."),
                        );
                        step.number = Some(n.clone());
                        self.resolved(destination, n.as_str());
                        self.destination(destination);
                    }
                    _ => {
                        let step = self.step(
                            StepKind::Forwarded,
                            format!("{when}, the call is forwarded to {n}."),
                        );
                        step.number = Some(n.clone());
                        self.offer(Outcome::Forwarded { number: n.clone() });
                    }
                }
            }
            Fallback::HuntGroup(id) => {
                if !self.hop() {
                    return;
                }
                let input = self.input;
                match input.targets.hunt_groups.get(id) {
                    Some(Some(group)) => {
                        let step = self.step(
                            StepKind::Fallback,
                            format!("{when}, the call goes on to hunt group {}.", group.name),
                        );
                        step.refs = vec![Ref::HuntGroup(group.id)];
                        self.hunt(group);
                    }
                    _ => self.unknown_target(when, "a hunt group", Ref::HuntGroup(*id)),
                }
            }
            Fallback::Person(id) => {
                if !self.hop() {
                    return;
                }
                let input = self.input;
                match input.targets.people.get(id) {
                    Some(Some(person)) => {
                        let step = self.step(
                            StepKind::Fallback,
                            format!("{when}, the call goes on to {}.", person.person.name),
                        );
                        step.refs = vec![Ref::Person(person.person.id)];
                        self.person(person);
                    }
                    _ => self.unknown_target(when, "a person", Ref::Person(*id)),
                }
            }
        }
    }

    /// A fallback names something that no longer exists: the call is released.
    fn unknown_target(&mut self, when: &str, what: &str, target: Ref) {
        let step = self.step(
            StepKind::UnknownTarget,
            format!(
                "{when}, the call should go to {what} that no longer exists, so it is released."
            ),
        );
        step.refs = vec![target];
        self.offer(Outcome::Released);
    }

    /// Counts a followed fallback; past the limit the call is released.
    fn hop(&mut self) -> bool {
        self.hops += 1;
        if self.hops <= MAX_FALLBACK_HOPS {
            return true;
        }
        self.step(
            StepKind::Loop,
            format!(
                "The call has been passed on {MAX_FALLBACK_HOPS} times: it is released rather than passed on again."
            ),
        );
        self.offer(Outcome::Released);
        false
    }
}

/// A device kind in words.
pub(super) fn kind_name(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::DeskPhone => "desk phone",
        DeviceKind::Softphone => "softphone",
        DeviceKind::MobileApp => "mobile app (OpenScape Mobile)",
        DeviceKind::TeamsClient => "Teams client",
    }
}

/// A platform in words.
pub(super) fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Chorus => "Chorus",
        Platform::Teams => "Telephony over Teams",
    }
}

/// A dialled number as the sentences show it.
pub(super) fn show_dialled(d: &Dialled) -> String {
    match d {
        Dialled::Extension(e) => format!("extension {}", e.as_str()),
        Dialled::Number(n) => n.to_string(),
    }
}

/// A line as the sentences show it: its number and extension.
pub(super) fn show_line(line: &LineRef) -> String {
    format!("{} (extension {})", line.number, line.extension.as_str())
}

/// Names joined by commas, or "none".
pub(super) fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use entity::enums::HuntStrategy;

    #[test]
    fn fallback_loops_are_cut() {
        use HuntStrategy::Sequential;
        // Group 100 falls back to 200, which falls back to 100.
        let mut looped = call(
            "70500",
            OUTSIDE,
            june(),
            Some(Destination::HuntGroup(hunt(
                100,
                Sequential,
                vec![member(desk(2, "Bea"), 1, 15, false)],
                Fallback::HuntGroup(id(200)),
            ))),
        );
        looped.targets.hunt_groups.insert(
            id(200),
            Some(hunt(
                200,
                Sequential,
                vec![member(desk(3, "Cal"), 1, 15, false)],
                Fallback::HuntGroup(id(100)),
            )),
        );
        looped.targets.hunt_groups.insert(
            id(100),
            Some(hunt(
                100,
                Sequential,
                vec![member(desk(2, "Bea"), 1, 15, false)],
                Fallback::HuntGroup(id(200)),
            )),
        );
        let e = explain(&looped);
        assert_eq!(e.outcome.kind(), OutcomeKind::Hunt);
        assert_eq!(
            e.if_unanswered
                .iter()
                .map(Outcome::kind)
                .collect::<Vec<_>>(),
            [OutcomeKind::Hunt, OutcomeKind::Released]
        );
        assert_eq!(e.steps.last().map(|s| s.kind), Some(S::Loop));
        assert_eq!(e.last(), &Outcome::Released);

        // A chain of empty groups longer than the hop limit.
        let mut chain = call(
            "70500",
            OUTSIDE,
            june(),
            Some(Destination::HuntGroup(hunt(
                1,
                Sequential,
                vec![],
                Fallback::HuntGroup(id(2)),
            ))),
        );
        for n in 2..=10 {
            chain.targets.hunt_groups.insert(
                id(n),
                Some(hunt(n, Sequential, vec![], Fallback::HuntGroup(id(n + 1)))),
            );
        }
        let e = explain(&chain);
        assert_eq!(e.outcome, Outcome::Released);
        assert_eq!(e.steps.last().map(|s| s.kind), Some(S::Loop));
        let groups_entered = e.steps.iter().filter(|s| s.kind == S::Hunt).count();
        assert_eq!(groups_entered, MAX_FALLBACK_HOPS + 1);
    }
}
