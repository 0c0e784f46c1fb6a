//! Movement sets (rule 4): people linked through a hunt group, or through an
//! executive-assistant manager–assistant relation, transitively. A set moves whole, in one
//! tranche, or not at all.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use uuid::Uuid;

/// What links the people of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkKind {
    /// Members of one hunt group.
    HuntGroup,
    /// Managers and assistants of one executive-assistant group.
    EaGroup,
}

/// One group that links its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    pub kind: LinkKind,
    pub group_id: Uuid,
    pub name: String,
    pub members: Vec<Uuid>,
}

/// People who must move together, and the groups that bind them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovementSet {
    /// The smallest member id: stable while the membership is.
    pub key: Uuid,
    pub members: BTreeSet<Uuid>,
    pub links: Vec<Link>,
}

/// All sets of two or more people, and which set each such person is in.
#[derive(Clone, Debug, Default)]
pub struct Sets {
    pub sets: Vec<MovementSet>,
    index: HashMap<Uuid, usize>,
}

impl Sets {
    /// Builds the sets from every linking group (union–find over the members).
    pub fn build(links: Vec<Link>) -> Self {
        let mut parent: HashMap<Uuid, Uuid> = HashMap::new();
        fn find(parent: &mut HashMap<Uuid, Uuid>, x: Uuid) -> Uuid {
            let mut root = x;
            while let Some(&p) = parent.get(&root) {
                if p == root {
                    break;
                }
                root = p;
            }
            // Path compression.
            let mut cur = x;
            while cur != root {
                let next = parent.get(&cur).copied().unwrap_or(root);
                parent.insert(cur, root);
                cur = next;
            }
            root
        }
        for link in &links {
            for m in &link.members {
                parent.entry(*m).or_insert(*m);
            }
            if let Some((first, rest)) = link.members.split_first() {
                for m in rest {
                    let (a, b) = (find(&mut parent, *first), find(&mut parent, *m));
                    if a != b {
                        // The smaller id becomes the root, so the root is the set's key.
                        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                        parent.insert(hi, lo);
                    }
                }
            }
        }
        let people: Vec<Uuid> = parent.keys().copied().collect();
        let mut by_root: BTreeMap<Uuid, BTreeSet<Uuid>> = BTreeMap::new();
        for p in people {
            let root = find(&mut parent, p);
            by_root.entry(root).or_default().insert(p);
        }
        let mut links_by_root: BTreeMap<Uuid, Vec<Link>> = BTreeMap::new();
        for link in links {
            if let Some(first) = link.members.first() {
                let root = find(&mut parent, *first);
                links_by_root.entry(root).or_default().push(link);
            }
        }
        let mut sets = Vec::new();
        let mut index = HashMap::new();
        for (root, members) in by_root {
            if members.len() < 2 {
                continue;
            }
            let key = members.first().copied().unwrap_or(root);
            for m in &members {
                index.insert(*m, sets.len());
            }
            let mut links = links_by_root.remove(&root).unwrap_or_default();
            links.sort_by(|a, b| (a.kind, &a.name, a.group_id).cmp(&(b.kind, &b.name, b.group_id)));
            sets.push(MovementSet {
                key,
                members,
                links,
            });
        }
        Self { sets, index }
    }

    /// The set a person is in, when it has two or more members.
    pub fn of(&self, person: Uuid) -> Option<&MovementSet> {
        self.index.get(&person).map(|i| &self.sets[*i])
    }

    /// The people to move together with `people`: each person's whole set (or themselves).
    pub fn closure(&self, people: &BTreeSet<Uuid>) -> BTreeSet<Uuid> {
        let mut out = BTreeSet::new();
        for p in people {
            match self.of(*p) {
                Some(set) => out.extend(set.members.iter().copied()),
                None => {
                    out.insert(*p);
                }
            }
        }
        out
    }

    /// Groups `people` into the units that move together: whole sets, and singletons.
    /// Returns the groups in a stable order (by their smallest member) and, separately, the
    /// members of touched sets that `people` leaves out.
    pub fn partition(&self, people: &BTreeSet<Uuid>) -> (Vec<BTreeSet<Uuid>>, BTreeSet<Uuid>) {
        let mut groups: BTreeMap<Uuid, BTreeSet<Uuid>> = BTreeMap::new();
        let mut missing = BTreeSet::new();
        for p in people {
            match self.of(*p) {
                Some(set) => {
                    groups.entry(set.key).or_insert_with(|| set.members.clone());
                    missing.extend(set.members.iter().filter(|m| !people.contains(m)));
                }
                None => {
                    groups.insert(*p, BTreeSet::from([*p]));
                }
            }
        }
        (groups.into_values().collect(), missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn link(kind: LinkKind, group: u128, members: &[u128]) -> Link {
        Link {
            kind,
            group_id: id(1000 + group),
            name: format!("g{group}"),
            members: members.iter().map(|m| id(*m)).collect(),
        }
    }

    fn ids(ns: &[u128]) -> BTreeSet<Uuid> {
        ns.iter().map(|n| id(*n)).collect()
    }

    #[test]
    fn sets_join_transitively_across_hunt_and_ea_groups() {
        type Case = (&'static str, Vec<Link>, Vec<Vec<u128>>);
        let cases: Vec<Case> = vec![
            ("no groups", vec![], vec![]),
            (
                "a one-member hunt group makes no set",
                vec![link(LinkKind::HuntGroup, 1, &[5])],
                vec![],
            ),
            (
                "one hunt group",
                vec![link(LinkKind::HuntGroup, 1, &[3, 1, 2])],
                vec![vec![1, 2, 3]],
            ),
            (
                "two hunt groups sharing a member chain",
                vec![
                    link(LinkKind::HuntGroup, 1, &[1, 2]),
                    link(LinkKind::HuntGroup, 2, &[2, 3]),
                    link(LinkKind::HuntGroup, 3, &[7, 8]),
                ],
                vec![vec![1, 2, 3], vec![7, 8]],
            ),
            (
                "an assistant of two EA groups links both managers, and a hunt group links on",
                vec![
                    link(LinkKind::EaGroup, 1, &[10, 20]),
                    link(LinkKind::EaGroup, 2, &[11, 20]),
                    link(LinkKind::HuntGroup, 3, &[11, 30, 31]),
                ],
                vec![vec![10, 11, 20, 30, 31]],
            ),
            (
                "a chain built in reverse order",
                vec![
                    link(LinkKind::HuntGroup, 1, &[9, 8]),
                    link(LinkKind::HuntGroup, 2, &[8, 7]),
                    link(LinkKind::HuntGroup, 3, &[7, 6]),
                    link(LinkKind::HuntGroup, 4, &[6, 5]),
                ],
                vec![vec![5, 6, 7, 8, 9]],
            ),
        ];
        for (name, links, expected) in cases {
            let n_links = links.len();
            let sets = Sets::build(links);
            let got: Vec<Vec<u128>> = sets
                .sets
                .iter()
                .map(|s| s.members.iter().map(|m| m.as_u128()).collect())
                .collect();
            assert_eq!(got, expected, "{name}");
            for s in &sets.sets {
                assert_eq!(Some(&s.key), s.members.first(), "{name}: key");
                for m in &s.members {
                    assert_eq!(sets.of(*m).map(|x| x.key), Some(s.key), "{name}: index");
                }
            }
            let linked: usize = sets.sets.iter().map(|s| s.links.len()).sum();
            assert!(linked <= n_links, "{name}");
        }
    }

    #[test]
    fn closure_and_partition_keep_sets_whole() {
        let sets = Sets::build(vec![
            link(LinkKind::HuntGroup, 1, &[1, 2, 3]),
            link(LinkKind::EaGroup, 2, &[4, 5]),
        ]);
        assert_eq!(sets.closure(&ids(&[2, 9])), ids(&[1, 2, 3, 9]));
        let (groups, missing) = sets.partition(&ids(&[1, 2, 4, 5, 9]));
        assert_eq!(groups, vec![ids(&[1, 2, 3]), ids(&[4, 5]), ids(&[9])]);
        assert_eq!(missing, ids(&[3]));
        let (_, missing) = sets.partition(&ids(&[1, 2, 3]));
        assert!(missing.is_empty());
    }
}
