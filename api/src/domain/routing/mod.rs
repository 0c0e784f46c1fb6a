//! `routeCall`: where a call to a number would go at a given instant, explained step by step.
//!
//! The service loads a [`RouteInput`], a snapshot of what the dialled number belongs to (a
//! person, a shared line, a hunt group or a contact centre) and of the fallback targets it may
//! lead to, and [`explain`] turns it into an [`Explanation`]: ordered [`Step`]s in words, the
//! [`Outcome`] where the call is first offered, and the outcomes it moves on to when nobody
//! answers there.
//!
//! The rules, from the seeds (glossary: executive-assistant working, hunt groups, contact
//! centres; the coordinators' page: Teams has no whitelist, contact centres stay on Chorus):
//! - **Executive assistant**: a call to a manager with divert on goes to the assistants unless
//!   the caller is on the manager's whitelist, when it rings the manager. On Teams this is
//!   delegation and there is no whitelist: every call goes to the assistants.
//! - **Hunt group**: SEQUENTIAL rings members one after another in position order, each for
//!   their ring time; SIMULTANEOUS rings them all at once. Then the no-answer destination.
//! - **Contact centre**: open or closed at that instant in the centre's time zone (wall-clock
//!   opening hours, so correct across the March and October clock changes; closures are local
//!   dates): open → the first queue; closed → the out-of-hours destination.
//! - **A person**: the device that actually rings is [`devices::effective_preferred`]; with
//!   none, or no answer, the call goes to their voicemail.
//!
//! Choices where the seeds are silent:
//! - A hunt-group member who opted out, has no working device, or is not on the group's
//!   platform is skipped; a group with nobody left goes straight to its no-answer destination.
//! - A SIMULTANEOUS group rings for its longest member ring time.
//! - A group call rings members' devices directly: a member's own executive-assistant divert
//!   does not apply (nor an assistant's, when a diverted call rings them).
//! - Divert with no assistant able to ring falls back to ringing the manager, rather than
//!   losing the call.
//! - A person's unanswered call (or one to a manager's assistants) goes to the voicemail of the
//!   person's line after the mailbox's rings-before-voicemail; with no line, it is released.
//! - A contact centre that is open rings its first queue (lowest position). A queue whose
//!   agents cannot ring (none on Chorus with a working device) overflows at once; the live
//!   queue length is not known here, so "queue full" is explained, not evaluated. An open
//!   centre without queues uses its out-of-hours destination.
//! - Fallbacks are followed through the targets the service loaded (see [`missing_targets`]),
//!   at most [`MAX_FALLBACK_HOPS`] times; a call that comes back to a group, person or line it
//!   already passed is released (a loop), as is one whose target no longer exists.
//! - An unparseable centre time zone is read as Europe/London, and the explanation says so.
//!
//! Where things are: `input` holds the snapshot the service fills in, `output` the explanation
//! handed back, `walk` the walk through the route (its sentences, loops and fallbacks), and
//! `person`, `hunt` and `centre` the rules for people and shared lines, hunt groups and
//! contact centres.

use std::collections::HashSet;

use super::groups::Fallback;

mod centre;
#[cfg(test)]
mod fixtures;
mod hunt;
mod input;
mod output;
mod person;
mod walk;

pub use input::{
    Closure, ContactCentreSnapshot, Destination, EaManagerRole, HuntGroupSnapshot, HuntMember,
    LineRef, LineRoute, PersonRoute, PersonSnapshot, QueueSnapshot, RouteInput, TargetRef, Targets,
};
pub use output::{Explanation, HuntLeg, Leg, Outcome, OutcomeKind, Ref, Step, StepKind};
use walk::{Walk, show_dialled};

/// Fallbacks followed at most, one after another, before the call is released.
pub const MAX_FALLBACK_HOPS: usize = 5;

/// Explains where the call in `input` would go (the rules are in the module documentation).
/// Total: every input gives an explanation; a number nobody has is NOT_IN_SERVICE.
pub fn explain(input: &RouteInput) -> Explanation {
    let mut walk = Walk {
        input,
        steps: Vec::new(),
        offers: Vec::new(),
        entered: HashSet::new(),
        hops: 0,
    };
    match &input.destination {
        None => {
            walk.step(
                StepKind::NotInService,
                format!(
                    "No line has the number {}: the caller hears that it is not in service.",
                    show_dialled(&input.to)
                ),
            );
            walk.offer(Outcome::NotInService);
        }
        Some(destination) => {
            walk.resolved(destination, &show_dialled(&input.to));
            walk.destination(destination);
        }
    }
    let mut offers = walk.offers.into_iter();
    let outcome = offers.next().unwrap_or(Outcome::Released);
    Explanation {
        steps: walk.steps,
        outcome,
        if_unanswered: offers.collect(),
    }
}

/// The fallback targets [`explain`] could follow but that `input.targets` does not hold yet,
/// reachable within [`MAX_FALLBACK_HOPS`] from the destination through the targets already
/// loaded. The service loads these (inserting `None` for what does not exist) and asks again
/// until the list is empty; at most [`MAX_FALLBACK_HOPS`] rounds are ever needed.
pub fn missing_targets(input: &RouteInput) -> Vec<TargetRef> {
    let mut missing = Vec::new();
    let mut seen: HashSet<TargetRef> = HashSet::new();
    let mut frontier: Vec<&Fallback> = input
        .destination
        .as_ref()
        .map(fallbacks_of)
        .unwrap_or_default();
    for _ in 0..MAX_FALLBACK_HOPS {
        let mut next = Vec::new();
        for fallback in frontier {
            let Some(target) = TargetRef::of(fallback) else {
                continue;
            };
            if !seen.insert(target.clone()) {
                continue;
            }
            let known = match &target {
                // A person never falls back further than their own voicemail.
                TargetRef::Person(id) => input.targets.people.contains_key(id),
                TargetRef::HuntGroup(id) => match input.targets.hunt_groups.get(id) {
                    Some(Some(group)) => {
                        next.push(&group.no_answer);
                        true
                    }
                    Some(None) => true,
                    None => false,
                },
                TargetRef::Number(n) => match input.targets.numbers.get(n) {
                    Some(Some(destination)) => {
                        next.extend(fallbacks_of(destination));
                        true
                    }
                    Some(None) => true,
                    None => false,
                },
            };
            if !known {
                missing.push(target);
            }
        }
        frontier = next;
    }
    missing
}

/// The fallbacks a destination may lead to straight away.
fn fallbacks_of(destination: &Destination) -> Vec<&Fallback> {
    match destination {
        Destination::Person(_) | Destination::Line(_) => Vec::new(),
        Destination::HuntGroup(g) => vec![&g.no_answer],
        Destination::ContactCentre(c) => std::iter::once(&c.out_of_hours)
            .chain(c.queues.iter().map(|q| &q.overflow))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use entity::enums::HuntStrategy;

    #[test]
    fn missing_targets_lists_what_to_load_next() {
        use HuntStrategy::Sequential;
        let mut input = call(
            "70500",
            OUTSIDE,
            june(),
            Some(Destination::HuntGroup(hunt(
                100,
                Sequential,
                vec![],
                Fallback::HuntGroup(id(200)),
            ))),
        );
        assert_eq!(missing_targets(&input), [TargetRef::HuntGroup(id(200))]);
        input.targets.hunt_groups.insert(
            id(200),
            Some(hunt(
                200,
                Sequential,
                vec![],
                Fallback::Number(e164(OUTSIDE)),
            )),
        );
        assert_eq!(missing_targets(&input), [TargetRef::Number(e164(OUTSIDE))]);
        input.targets.numbers.insert(e164(OUTSIDE), None);
        assert_eq!(missing_targets(&input), []);

        let mut centre = service_desk();
        centre.out_of_hours = Fallback::Person(id(7));
        let input = call(
            "70600",
            OUTSIDE,
            june(),
            Some(Destination::ContactCentre(centre)),
        );
        assert_eq!(
            missing_targets(&input),
            [TargetRef::Person(id(7))],
            "overflows are voicemail"
        );

        let input = call(
            "70001",
            OUTSIDE,
            june(),
            Some(Destination::Person(route(desk(1, "Ada"), 10, "70001"))),
        );
        assert_eq!(missing_targets(&input), []);
        assert_eq!(missing_targets(&call("70001", OUTSIDE, june(), None)), []);
    }
}
