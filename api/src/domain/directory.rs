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

/// A LISTED person is visible to every signed-in caller. An EX_DIRECTORY person is visible
/// only to themselves, to admins, and to coordinators of their unit.
pub fn can_see(principal: &Principal, entry: Entry) -> bool {
    !entry.ex_directory || principal.may_manage_person(entry.person_id, entry.unit_id)
}

/// A person's devices and roles are private: the person themselves, admins, and the
/// coordinators of their unit see them.
pub fn can_see_private(principal: &Principal, entry: Entry) -> bool {
    principal.may_manage_person(entry.person_id, entry.unit_id)
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
}
