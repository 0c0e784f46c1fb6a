//! Directory visibility rules.

use uuid::Uuid;

use crate::auth::Principal;

/// The facts about a person that visibility depends on.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub ex_directory: bool,
}

/// The service scope that lets an automation see ex-directory people (the Teams provisioning
/// automation needs every mover's number and e-mail address). No other scope does.
pub const EX_DIRECTORY_SCOPE: &str = "directory:ex-directory";

/// How the caller came to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Any way but a group: search, look-up, `node`, calls, voicemail, conferences, routes,
    /// the Teams column, movement sets.
    Directory,
    /// As a member of a hunt, pickup or executive-assistant group, or an agent of a
    /// contact-centre queue, that the caller may see.
    Group,
}

/// The one rule for seeing a person, wherever a `Person` is reachable. A LISTED person is
/// visible to every signed-in caller. An EX_DIRECTORY person is visible only to themselves, to
/// admins, to coordinators of their unit, and to services holding [`EX_DIRECTORY_SCOPE`].
pub fn can_see(principal: &Principal, entry: Entry) -> bool {
    !entry.ex_directory
        || principal.may_manage_person(entry.person_id, entry.unit_id)
        || principal.has_scope(EX_DIRECTORY_SCOPE)
}

/// [`can_see`], and one exception: through a group the caller may see, every member is
/// visible, ex-directory or not. A group is a working arrangement, not a listing: its members
/// answer each other's calls and need each other's numbers, and whoever may see the group (its
/// members, its unit's coordinators, admins) is part of that arrangement or runs it.
pub fn can_see_via(principal: &Principal, entry: Entry, reach: Reach) -> bool {
    reach == Reach::Group || can_see(principal, entry)
}

/// A person's devices and roles are private: the person themselves, admins, and the
/// coordinators of their unit see them.
pub fn can_see_private(principal: &Principal, entry: Entry) -> bool {
    principal.may_manage_person(entry.person_id, entry.unit_id)
}

/// Who a caller may put into a working arrangement: a hunt, pickup or executive-assistant
/// group, or a contact-centre queue. Administrators anyone; coordinators only the people of
/// their own units. A member from another unit would merge that unit's people into this
/// unit's movement sets (a set moves to Teams whole), and the group's payload would then show
/// the member's details to whoever sees the group.
pub fn may_enrol(principal: &Principal, who: Entry) -> bool {
    principal.is_admin() || principal.coordinates(who.unit_id)
}

/// Who may give a personal line to a person: admins anyone; coordinators the people of their
/// units, but never themselves (a coordinator could otherwise take a member's line, and with it
/// calls meant for the member). Err says why not.
pub fn may_assign_line(principal: &Principal, to: Entry) -> Result<(), &'static str> {
    if principal.is_admin() {
        Ok(())
    } else if principal.is_person(to.person_id) {
        Err("a coordinator cannot assign a line to themselves: ask an administrator")
    } else if principal.coordinates(to.unit_id) {
        Ok(())
    } else {
        Err("the person is outside your units")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::auth::{PrincipalKind, Role};

    fn principal(person: Uuid, roles: &[Role], units: &[Uuid]) -> Principal {
        Principal {
            username: "p".into(),
            kind: PrincipalKind::Person,
            person_id: Some(person),
            roles: roles.iter().copied().chain([Role::User]).collect(),
            units: units.iter().copied().collect(),
            scopes: BTreeSet::new(),
        }
    }

    #[test]
    fn ex_directory_entries_are_seen_by_self_admin_and_own_coordinator_only() {
        let (me, other, unit, other_unit) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let hidden = Entry {
            person_id: other,
            unit_id: unit,
            ex_directory: true,
        };
        let listed = Entry {
            ex_directory: false,
            ..hidden
        };
        let cases = [
            (principal(me, &[], &[]), listed, true),
            (principal(me, &[], &[]), hidden, false),
            (principal(other, &[], &[]), hidden, true),
            (principal(me, &[Role::Admin], &[]), hidden, true),
            (principal(me, &[Role::Coordinator], &[unit]), hidden, true),
            (
                principal(me, &[Role::Coordinator], &[other_unit]),
                hidden,
                false,
            ),
        ];
        for (i, (who, entry, expected)) in cases.into_iter().enumerate() {
            assert_eq!(can_see(&who, entry), expected, "case {i}");
        }
    }

    #[test]
    fn private_parts_need_self_admin_or_coordinator() {
        let (me, other, unit) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let entry = Entry {
            person_id: other,
            unit_id: unit,
            ex_directory: false,
        };
        assert!(!can_see_private(&principal(me, &[], &[]), entry));
        assert!(can_see_private(&principal(other, &[], &[]), entry));
        assert!(can_see_private(
            &principal(me, &[Role::Coordinator], &[unit]),
            entry
        ));
    }

    #[test]
    fn coordinators_assign_lines_to_their_units_people_but_not_themselves() {
        let (me, member, unit, other_unit) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let to = |person_id, unit_id| Entry {
            person_id,
            unit_id,
            ex_directory: false,
        };
        let coordinator = principal(me, &[Role::Coordinator], &[unit]);
        assert!(may_assign_line(&coordinator, to(member, unit)).is_ok());
        assert!(may_assign_line(&coordinator, to(me, unit)).is_err());
        assert!(may_assign_line(&coordinator, to(member, other_unit)).is_err());
        let admin = principal(me, &[Role::Admin], &[]);
        assert!(may_assign_line(&admin, to(me, unit)).is_ok());
        assert!(may_assign_line(&admin, to(member, other_unit)).is_ok());
        let user = principal(me, &[], &[]);
        assert!(may_assign_line(&user, to(me, unit)).is_err());
    }

    #[test]
    fn coordinators_enrol_only_their_units_people() {
        let (me, member, unit, other_unit) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let at = |unit_id| Entry {
            person_id: member,
            unit_id,
            ex_directory: false,
        };
        let coordinator = principal(me, &[Role::Coordinator], &[unit]);
        assert!(may_enrol(&coordinator, at(unit)));
        assert!(!may_enrol(&coordinator, at(other_unit)));
        assert!(may_enrol(
            &principal(me, &[Role::Admin], &[]),
            at(other_unit)
        ));
        assert!(!may_enrol(&principal(me, &[], &[]), at(unit)));
    }

    #[test]
    fn ex_directory_people_are_seen_through_their_groups_and_by_the_scope_only() {
        let (me, other, unit) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let hidden = Entry {
            person_id: other,
            unit_id: unit,
            ex_directory: true,
        };
        let user = principal(me, &[], &[]);
        assert!(!can_see_via(&user, hidden, Reach::Directory));
        assert!(can_see_via(&user, hidden, Reach::Group));
        let service = |scopes: &[&str]| Principal {
            username: "automation".into(),
            kind: PrincipalKind::Service,
            person_id: None,
            roles: [Role::User].into_iter().collect(),
            units: BTreeSet::new(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        };
        assert!(!can_see(&service(&["cutover:write"]), hidden));
        assert!(can_see(
            &service(&["cutover:write", EX_DIRECTORY_SCOPE]),
            hidden
        ));
    }
}
