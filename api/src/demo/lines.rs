//! Lines and devices of the demo university: a personal line and a desk phone per person,
//! softphones, mobile apps and Teams clients, shared and critical lines, the mailboxes, and
//! when each device was last used.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{DeviceKind, DeviceStatus, DiallingPermission, LineKind, Platform, UnitKind};
use entity::{device, line, mailbox_settings};
use uuid::Uuid;

use super::generate::{Gen, HISTORY_DAYS, Pilot};
use super::names;

impl Gen {
    /// A free extension in the unit's block and its E.164 number.
    fn number(&mut self, unit: usize) -> (String, String) {
        let block = self.units[unit].block;
        let ext = loop {
            let candidate = block * 1000 + self.dice.between(0, 999);
            if self.extensions.insert(candidate) {
                break candidate;
            }
        };
        numbers_for(ext)
    }

    fn push_line(
        &mut self,
        unit: usize,
        kind: LineKind,
        owner: Option<usize>,
        label: Option<String>,
        permission: DiallingPermission,
        number: (String, String),
    ) -> usize {
        let created_at = self.days_ago(200, 3000);
        let (e164, extension) = number;
        self.data.lines.push(line::Model {
            id: self.ids.next(),
            e164,
            extension,
            kind,
            owner_id: owner.map(|p| self.data.people[p].id),
            unit_id: self.units[unit].id,
            label,
            dialling_permission: permission,
            created_at,
            version: 1,
            quarantined_until: None,
        });
        self.data.lines.len() - 1
    }

    pub(super) fn personal_lines(&mut self) {
        for p in 0..self.people.len() {
            let unit = self.people[p].unit;
            let mut permission = *self.dice.weighted(&[
                (DiallingPermission::National, 70),
                (DiallingPermission::International, 15),
                (DiallingPermission::Local, 8),
                (DiallingPermission::Internal, 7),
            ]);
            if self.people[p].demo {
                permission = DiallingPermission::National;
            }
            let number = self.number(unit);
            self.people[p].line =
                self.push_line(unit, LineKind::Personal, Some(p), None, permission, number);
        }
    }

    fn push_device(
        &mut self,
        owner: usize,
        kind: DeviceKind,
        label: &str,
        model: &str,
        created_at: DateTime<Utc>,
    ) -> usize {
        self.data.devices.push(device::Model {
            id: self.ids.next(),
            kind,
            label: label.to_owned(),
            model: Some(model.to_owned()),
            owner_id: self.data.people[owner].id,
            line_id: Some(self.data.lines[self.people[owner].line].id),
            status: DeviceStatus::Active,
            last_used_at: None,
            created_at,
            version: 1,
        });
        self.data.devices.len() - 1
    }

    pub(super) fn devices(&mut self) {
        let demo_user = self.person_index("demo-user");
        for p in 0..self.people.len() {
            let pilot = self.people[p].pilot;
            let model = *self.dice.weighted(names::DESK_MODELS);
            let created = self.days_ago(200, 3000);
            let desk = self.push_device(p, DeviceKind::DeskPhone, "Desk phone", model, created);

            let in_pilot = pilot != Pilot::No;
            let mut has_softphone = self.dice.chance(if in_pilot { 0.7 } else { 0.2 });
            let mobile_chance = match (has_softphone, in_pilot) {
                (true, _) => 0.25,
                (false, true) => 0.5,
                (false, false) => 0.0875,
            };
            let mut has_mobile = self.dice.chance(mobile_chance);
            if p == demo_user {
                (has_softphone, has_mobile) = (true, true);
            }
            let softphone = if has_softphone {
                let label = *self.dice.weighted(names::SOFTPHONE_LABELS);
                let created = self.days_ago(30, 900);
                Some(self.push_device(
                    p,
                    DeviceKind::Softphone,
                    label,
                    names::SOFTPHONE_MODEL,
                    created,
                ))
            } else {
                None
            };
            let mobile = if has_mobile {
                let label = *self.dice.pick(names::MOBILE_LABELS);
                let created = self.days_ago(30, 900);
                Some(self.push_device(
                    p,
                    DeviceKind::MobileApp,
                    label,
                    names::MOBILE_MODEL,
                    created,
                ))
            } else {
                None
            };
            let non_desk: Vec<usize> = softphone.into_iter().chain(mobile).collect();
            let mut preferred = desk;
            if !non_desk.is_empty() && self.dice.chance(0.36) {
                preferred = *self.dice.pick(&non_desk);
            }
            if p == demo_user {
                preferred = softphone.unwrap_or(desk);
            }
            // A few old softphone or mobile installations, switched off.
            for d in &non_desk {
                if *d != preferred && self.dice.chance(0.05) {
                    self.data.devices[*d].status = DeviceStatus::Disabled;
                }
            }
            let info = &mut self.people[p];
            info.desk = desk;
            info.softphone = softphone;
            info.mobile = mobile;
            info.preferred = preferred;
            info.away_caller = !non_desk.is_empty() && (in_pilot || self.dice.chance(0.7));
            if p == demo_user {
                info.away_caller = true;
            }

            if pilot == Pilot::Moved {
                // Moved: Chorus devices stop working, the Teams client takes over.
                for d in [Some(desk), softphone, mobile].into_iter().flatten() {
                    self.data.devices[d].status = DeviceStatus::Disabled;
                }
                let moved = self.pilot_moved_at;
                let teams = self.push_device(
                    p,
                    DeviceKind::TeamsClient,
                    "Microsoft Teams",
                    "Microsoft Teams",
                    moved,
                );
                let info = &mut self.people[p];
                info.teams = Some(teams);
                info.preferred = teams;
                let person = &mut self.data.people[p];
                person.platform = Platform::Teams;
                person.updated_at = moved;
            }
            let preferred_id = self.data.devices[self.people[p].preferred].id;
            self.data.people[p].preferred_device_id = Some(preferred_id);
        }
    }

    pub(super) fn shared_and_critical_lines(&mut self) {
        let itsv = self.unit_index("ITSV");
        let esta = self.unit_index("ESTA");
        for u in 0..self.units.len() {
            let kind = self.units[u].spec.kind;
            let (labels, lo, hi) = match kind {
                UnitKind::College => (names::COLLEGE_SHARED, 2, 4),
                UnitKind::Department => (names::DEPARTMENT_SHARED, 3, 6),
                UnitKind::UasDivision => (names::UAS_SHARED, 4, 6),
                UnitKind::Other => (names::OTHER_SHARED, 2, 3),
            };
            let count = self.dice.between(lo, hi) as usize;
            let mut chosen: Vec<&str> = self.dice.sample(labels, count);
            if u == itsv {
                chosen.insert(0, "IT Service Desk");
            }
            for label in chosen {
                let permission = *self.dice.weighted(&[
                    (DiallingPermission::National, 60),
                    (DiallingPermission::Internal, 20),
                    (DiallingPermission::Local, 15),
                    (DiallingPermission::International, 5),
                ]);
                let number = self.number(u);
                let l = self.push_line(
                    u,
                    LineKind::Shared,
                    None,
                    Some(label.to_owned()),
                    permission,
                    number,
                );
                self.units[u].shared.push(l);
                self.units[u].free_shared.push(l);
            }
            let critical = match kind {
                UnitKind::College => usize::from(self.dice.chance(0.5)),
                _ => 1,
            };
            for label in self.dice.sample(names::CRITICAL, critical) {
                let permission = if self.dice.chance(0.5) {
                    DiallingPermission::Internal
                } else {
                    DiallingPermission::National
                };
                let number = self.number(u);
                self.push_line(
                    u,
                    LineKind::Critical,
                    None,
                    Some(label.to_owned()),
                    permission,
                    number,
                );
            }
        }
        self.extensions.insert(89999);
        self.push_line(
            esta,
            LineKind::Critical,
            None,
            Some("Security Services control room".into()),
            DiallingPermission::National,
            numbers_for(89999),
        );
    }

    /// Mailbox settings for nearly every personal line and for each group pilot line.
    pub(super) fn mailboxes(&mut self) {
        for p in 0..self.people.len() {
            if !self.people[p].demo && self.dice.chance(0.02) {
                continue;
            }
            let attach = self.dice.chance(0.4);
            let updated_at = self.days_ago(1, 700);
            let line = self.people[p].line;
            self.data.mailbox_settings.push(mailbox_settings::Model {
                id: self.ids.next(),
                line_id: self.data.lines[line].id,
                pin_hash: None,
                email_attachment: attach,
                email_address: attach.then(|| self.data.people[p].email.clone()),
                rings_before_voicemail: 4,
                greeting_blob_key: None,
                updated_at,
                version: 1,
            });
        }
        let pilots: Vec<usize> = self
            .hunts
            .iter()
            .map(|h| h.line)
            .chain(self.centre.as_ref().map(|c| c.line))
            .collect();
        for line in pilots {
            let updated_at = self.days_ago(1, 700);
            self.data.mailbox_settings.push(mailbox_settings::Model {
                id: self.ids.next(),
                line_id: self.data.lines[line].id,
                pin_hash: None,
                email_attachment: false,
                email_address: None,
                rings_before_voicemail: 4,
                greeting_blob_key: None,
                updated_at,
                version: 1,
            });
        }
    }

    /// Devices' last use: their latest call, else a recent day for most active ones.
    pub(super) fn device_last_used(&mut self) {
        let mut latest: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
        for call in &self.data.call_records {
            if let Some(d) = call.device_id {
                let entry = latest.entry(d).or_insert(call.ended_at);
                *entry = (*entry).max(call.ended_at);
            }
        }
        for d in 0..self.data.devices.len() {
            let device = &self.data.devices[d];
            let (id, status, kind) = (device.id, device.status, device.kind);
            let last = match latest.get(&id) {
                Some(t) => Some(*t),
                None if status == DeviceStatus::Disabled && kind == DeviceKind::DeskPhone => Some(
                    self.pilot_moved_at - Duration::minutes(i64::from(self.dice.between(60, 4000))),
                ),
                None if status == DeviceStatus::Disabled => Some(self.days_ago(95, 400)),
                None if self.dice.chance(0.8) => Some(self.days_ago(0, HISTORY_DAYS as u32)),
                None => None,
            };
            self.data.devices[d].last_used_at = last;
        }
    }
}

/// The E.164 number and extension of a five-digit extension: 7xxxx and 8xxxx are on the
/// 01865 2xxxxx range, the others on 01865 6xxxxx.
fn numbers_for(ext: u32) -> (String, String) {
    let lead = if ext >= 70_000 { 2 } else { 6 };
    (format!("+441865{lead}{ext:05}"), format!("{ext:05}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_the_extension_as_last_five_digits() {
        assert_eq!(
            numbers_for(89999),
            ("+441865289999".to_owned(), "89999".to_owned())
        );
        assert_eq!(
            numbers_for(12345),
            ("+441865612345".to_owned(), "12345".to_owned())
        );
    }
}
