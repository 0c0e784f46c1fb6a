//! Hunt groups, pickup groups and executive-assistant groups of the demo university, linked
//! into chains that move together, and the Teams groups of the pilot.

use entity::enums::{DiallingPermission, EaRole, FallbackKind, HuntStrategy, Platform};
use entity::{
    ea_group, ea_group_member, ea_whitelist_entry, hunt_group, hunt_group_member, pickup_group,
    pickup_group_member,
};

use super::generate::{EA_GROUPS, EaInfo, Gen, HUNT_GROUPS, HuntInfo, PICKUP_GROUPS, Pilot};
use super::names;

impl Gen {
    /// People of a unit who may be put in a group: on Chorus, not in the pilot, not a demo account.
    pub(super) fn group_pool(&self, unit: usize) -> Vec<usize> {
        self.units[unit]
            .people
            .iter()
            .copied()
            .filter(|p| self.people[*p].pilot == Pilot::No && !self.people[*p].demo)
            .collect()
    }

    /// `count` distinct members from `pool`, preferring people already grouped with `bias`
    /// probability per member, so groups overlap and movement sets link up.
    pub(super) fn members(&mut self, pool: &[usize], count: usize, bias: f64) -> Vec<usize> {
        let mut chosen: Vec<usize> = Vec::with_capacity(count);
        while chosen.len() < count.min(pool.len()) {
            let grouped: Vec<usize> = pool
                .iter()
                .copied()
                .filter(|p| self.people[*p].grouped && !chosen.contains(p))
                .collect();
            let prefer_grouped = self.dice.chance(bias);
            let next = if prefer_grouped && !grouped.is_empty() {
                *self.dice.pick(&grouped)
            } else {
                let rest: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(|p| !chosen.contains(p))
                    .collect();
                *self.dice.pick(&rest)
            };
            chosen.push(next);
        }
        chosen
    }

    /// Takes a free shared line of the unit, preferring one with the given label.
    pub(super) fn take_shared(&mut self, unit: usize, label: Option<&str>) -> Option<usize> {
        let free = &self.units[unit].free_shared;
        let at = match label {
            Some(label) => free
                .iter()
                .position(|l| self.data.lines[*l].label.as_deref() == Some(label))
                .or(if free.is_empty() { None } else { Some(0) }),
            None if free.is_empty() => None,
            None => Some(self.dice.index(free.len())),
        }?;
        Some(self.units[unit].free_shared.remove(at))
    }

    fn push_hunt_group(&mut self, unit: usize, line: usize, members: &[usize], platform: Platform) {
        let id = self.ids.next();
        let sequential = self.dice.chance(0.6);
        let label = self.data.lines[line].label.clone().unwrap_or_default();
        let created_at = self.days_ago(100, 2000);
        self.data.hunt_groups.push(hunt_group::Model {
            id,
            name: format!("{} {label}", self.units[unit].spec.short),
            pilot_line_id: self.data.lines[line].id,
            unit_id: self.units[unit].id,
            strategy: if sequential {
                HuntStrategy::Sequential
            } else {
                HuntStrategy::Simultaneous
            },
            platform,
            no_answer_kind: FallbackKind::Voicemail,
            no_answer_target: None,
            created_at,
            version: 1,
        });
        let mut ringing = Vec::new();
        for (position, p) in members.iter().enumerate() {
            let opted_out = self.dice.chance(0.05);
            let ring_seconds = self.dice.between(10, 20) as i32;
            self.people[*p].grouped = true;
            if !opted_out {
                ringing.push(*p);
            }
            self.data.hunt_group_members.push(hunt_group_member::Model {
                id: self.ids.next(),
                group_id: id,
                person_id: self.data.people[*p].id,
                position: position as i32 + 1,
                ring_seconds,
                opted_out,
            });
        }
        if ringing.is_empty() {
            ringing.extend(members.first());
        }
        self.hunt_by_line.insert(line, self.hunts.len());
        self.hunts.push(HuntInfo {
            id,
            line,
            sequential,
            ringing,
        });
    }

    /// An executive-assistant group; most managers get a whitelist of one to four numbers.
    fn push_ea_group(
        &mut self,
        unit: usize,
        office: &str,
        managers: &[usize],
        assistants: &[usize],
        platform: Platform,
    ) {
        let id = self.ids.next();
        let created_at = self.days_ago(100, 2000);
        self.data.ea_groups.push(ea_group::Model {
            id,
            name: format!("{} {office}", self.units[unit].spec.short),
            unit_id: self.units[unit].id,
            platform,
            created_at,
            version: 1,
        });
        for p in assistants {
            self.people[*p].grouped = true;
            self.data.ea_group_members.push(ea_group_member::Model {
                id: self.ids.next(),
                group_id: id,
                person_id: self.data.people[*p].id,
                role: EaRole::Assistant,
                divert_enabled: false,
            });
        }
        let colleagues = self.units[unit].people.clone();
        for m in managers {
            self.people[*m].grouped = true;
            let member_id = self.ids.next();
            let divert = self.dice.chance(0.9);
            self.data.ea_group_members.push(ea_group_member::Model {
                id: member_id,
                group_id: id,
                person_id: self.data.people[*m].id,
                role: EaRole::Manager,
                divert_enabled: divert,
            });
            let mut whitelist: Vec<String> = Vec::new();
            if self.dice.chance(0.8) {
                let count = self.dice.between(1, 4);
                for _ in 0..count {
                    let number = if self.dice.chance(0.4) {
                        let colleague = *self.dice.pick(&colleagues);
                        self.data.lines[self.people[colleague].line].e164.clone()
                    } else {
                        self.external_number(DiallingPermission::International)
                    };
                    if number == self.data.lines[self.people[*m].line].e164
                        || whitelist.contains(&number)
                    {
                        continue;
                    }
                    let label = if self.dice.chance(0.7) {
                        Some((*self.dice.pick(names::WHITELIST_LABELS)).to_owned())
                    } else {
                        None
                    };
                    self.data.ea_whitelist.push(ea_whitelist_entry::Model {
                        id: self.ids.next(),
                        member_id,
                        number: number.clone(),
                        label,
                    });
                    whitelist.push(number);
                }
            }
            self.ea_by_manager
                .entry(*m)
                .or_insert(EaInfo {
                    divert,
                    whitelist,
                    assistants: Vec::new(),
                })
                .assistants
                .extend(assistants.iter().copied());
        }
    }

    /// Engineering: hunt group A shares a member with B, B's last member manages an EA group
    /// whose assistant is also in hunt group C: one movement set of seven people.
    pub(super) fn chain_of_groups(&mut self) {
        let engs = self.unit_index("ENGS");
        let pool = self.group_pool(engs);
        let chain = self.dice.sample(&pool, 7);
        if chain.len() < 7 || self.units[engs].free_shared.len() < 3 {
            return;
        }
        for members in [&chain[0..3], &chain[2..5]] {
            if let Some(line) = self.take_shared(engs, None) {
                self.push_hunt_group(engs, line, members, Platform::Chorus);
            }
        }
        self.push_ea_group(
            engs,
            "Head of Department's office",
            &chain[4..5],
            &chain[5..6],
            Platform::Chorus,
        );
        if let Some(line) = self.take_shared(engs, None) {
            self.push_hunt_group(engs, line, &chain[5..7], Platform::Chorus);
        }
    }

    /// A hunt group and an EA group of IT Services people who have already moved.
    pub(super) fn teams_groups(&mut self) {
        let itsv = self.unit_index("ITSV");
        let moved: Vec<usize> = self.units[itsv]
            .people
            .iter()
            .copied()
            .filter(|p| self.people[*p].pilot == Pilot::Moved)
            .collect();
        if moved.len() < 5 {
            return;
        }
        let picked = self.dice.sample(&moved, 5);
        if let Some(line) = self.take_shared(itsv, None) {
            self.push_hunt_group(itsv, line, &picked[0..3], Platform::Teams);
        }
        self.push_ea_group(
            itsv,
            "Director's office",
            &picked[3..4],
            &picked[4..5],
            Platform::Teams,
        );
    }

    pub(super) fn hunt_groups(&mut self) {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        self.dice.shuffle(&mut order);
        let mut progress = true;
        while self.hunts.len() < HUNT_GROUPS && progress {
            progress = false;
            for &u in &order {
                if self.hunts.len() >= HUNT_GROUPS {
                    break;
                }
                let pool = self.group_pool(u);
                if pool.len() < 2 || self.units[u].free_shared.is_empty() {
                    continue;
                }
                let Some(line) = self.take_shared(u, None) else {
                    continue;
                };
                let count = self.dice.between(2, 8) as usize;
                let members = self.members(&pool, count, 0.2);
                self.push_hunt_group(u, line, &members, Platform::Chorus);
                progress = true;
            }
        }
    }

    pub(super) fn pickup_groups(&mut self) {
        let ball = self.unit_index("BALL");
        let demo_user = self.person_index("demo-user");
        let mut order: Vec<usize> = (0..self.units.len()).filter(|u| *u != ball).collect();
        self.dice.shuffle(&mut order);
        order.insert(0, ball);
        let mut areas_used: Vec<Vec<&str>> = vec![Vec::new(); self.units.len()];
        let mut progress = true;
        while self.pickups.len() < PICKUP_GROUPS && progress {
            progress = false;
            for &u in &order {
                if self.pickups.len() >= PICKUP_GROUPS {
                    break;
                }
                let pool: Vec<usize> = self
                    .group_pool(u)
                    .into_iter()
                    .filter(|p| self.people[*p].pickup.is_none())
                    .collect();
                let areas: Vec<&str> = names::pickup_areas(self.units[u].spec.kind)
                    .iter()
                    .copied()
                    .filter(|a| !areas_used[u].contains(a))
                    .collect();
                if pool.len() < 3 || areas.is_empty() {
                    continue;
                }
                let area = *self.dice.pick(&areas);
                areas_used[u].push(area);
                let count = self.dice.between(3, 10) as usize;
                let mut members = self.dice.sample(&pool, count);
                if u == ball && self.people[demo_user].pickup.is_none() {
                    members.truncate(9);
                    members.push(demo_user);
                }
                let id = self.ids.next();
                let created_at = self.days_ago(100, 2000);
                self.data.pickup_groups.push(pickup_group::Model {
                    id,
                    name: format!("{} {area}", self.units[u].spec.short),
                    unit_id: self.units[u].id,
                    created_at,
                    version: 1,
                });
                for p in &members {
                    self.people[*p].pickup = Some(self.pickups.len());
                    self.data
                        .pickup_group_members
                        .push(pickup_group_member::Model {
                            id: self.ids.next(),
                            group_id: id,
                            person_id: self.data.people[*p].id,
                        });
                }
                self.pickups.push(members);
                progress = true;
            }
        }
    }

    /// Executive-assistant groups: one in each of a set of units, then a second one in a few
    /// of them, whose assistant usually also serves the first group's managers.
    pub(super) fn ea_groups(&mut self) {
        let wanted = EA_GROUPS.saturating_sub(self.data.ea_groups.len());
        let seconds = wanted / 4;
        let mut order: Vec<usize> = (0..self.units.len())
            .filter(|u| self.group_pool(*u).len() >= 6)
            .collect();
        self.dice.shuffle(&mut order);
        order.truncate(wanted - seconds);
        let mut offices_used: Vec<Vec<&str>> = vec![Vec::new(); self.units.len()];
        let mut assistants_of: Vec<Vec<usize>> = vec![Vec::new(); self.units.len()];
        let revisits: Vec<usize> = order.iter().copied().take(seconds).collect();
        for (i, u) in order.iter().copied().chain(revisits).enumerate() {
            let second = i >= wanted - seconds;
            let offices: Vec<&str> = names::ea_offices(self.units[u].spec.kind)
                .iter()
                .copied()
                .filter(|o| !offices_used[u].contains(o))
                .collect();
            let pool = self.group_pool(u);
            if offices.is_empty() {
                continue;
            }
            let office = *self.dice.pick(&offices);
            offices_used[u].push(office);
            let managers = *self.dice.weighted(&[(1usize, 60), (2, 30), (3, 10)]);
            let assistants = *self.dice.weighted(&[(1usize, 75), (2, 25)]);
            let people = self.members(&pool, managers + 1, 0.15);
            let (group_managers, first_assistant) = people.split_at(managers.min(people.len() - 1));
            let mut group_assistants: Vec<usize> = first_assistant.to_vec();
            // An assistant of the unit's first group serves this group's managers too.
            let earlier: Vec<usize> = assistants_of[u]
                .iter()
                .copied()
                .filter(|a| !group_managers.contains(a) && !group_assistants.contains(a))
                .collect();
            if second && !earlier.is_empty() && self.dice.chance(0.8) {
                group_assistants[0] = *self.dice.pick(&earlier);
            }
            if assistants == 2 {
                let rest: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(|p| !group_managers.contains(p) && !group_assistants.contains(p))
                    .collect();
                if !rest.is_empty() {
                    group_assistants.push(*self.dice.pick(&rest));
                }
            }
            assistants_of[u].extend(group_assistants.iter().copied());
            let group_managers = group_managers.to_vec();
            self.push_ea_group(
                u,
                office,
                &group_managers,
                &group_assistants,
                Platform::Chorus,
            );
        }
    }
}
