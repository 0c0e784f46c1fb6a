//! Device rules: which device a person may prefer, which devices may be (re-)enabled, and
//! which device actually rings.

use entity::enums::{DeviceKind, DeviceStatus, Platform};
use uuid::Uuid;

/// The facts about a device that the rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceFacts {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub kind: DeviceKind,
    pub status: DeviceStatus,
    /// Seconds since the epoch of the last use, if any (most recent wins ties).
    pub last_used: Option<i64>,
}

/// Why a device cannot be preferred or enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceRefusal {
    #[error("the device belongs to someone else")]
    NotOwner,
    #[error("the device is disabled")]
    Disabled,
    #[error("on Telephony over Teams only the Teams client rings: it is the preferred device")]
    TeamsNeedsTeamsClient,
    #[error("a Teams client rings only for people on Telephony over Teams")]
    TeamsClientNeedsTeams,
    #[error("Chorus desk phones, softphones and the mobile app stop working after a move to Teams")]
    ChorusDeviceOnTeams,
    #[error(
        "the Chorus upgrade retired softphones, the mobile app and portal preferred devices: move to Telephony over Teams for them"
    )]
    RetiredByUpgrade,
}

/// Rule 11: once the Chorus upgrade has run, softphones and the mobile app no longer work on
/// Chorus (they cannot be registered, enabled or preferred); desk phones still do.
pub fn after_upgrade(
    kind: DeviceKind,
    platform: Platform,
    upgraded: bool,
) -> Result<(), DeviceRefusal> {
    if upgraded
        && platform == Platform::Chorus
        && matches!(kind, DeviceKind::Softphone | DeviceKind::MobileApp)
    {
        Err(DeviceRefusal::RetiredByUpgrade)
    } else {
        Ok(())
    }
}

/// Whether a device of this kind works for a person on this platform. Chorus devices (desk
/// phone, softphone, mobile app) work only on Chorus; the Teams client only on Teams (rule 5:
/// one platform, never both).
pub fn kind_works_on(kind: DeviceKind, platform: Platform) -> Result<(), DeviceRefusal> {
    match (kind, platform) {
        (DeviceKind::TeamsClient, Platform::Teams) => Ok(()),
        (DeviceKind::TeamsClient, Platform::Chorus) => Err(DeviceRefusal::TeamsClientNeedsTeams),
        (_, Platform::Chorus) => Ok(()),
        (_, Platform::Teams) => Err(DeviceRefusal::ChorusDeviceOnTeams),
    }
}

/// A person may prefer one of their own ACTIVE devices that works on their platform; on Teams
/// that is the Teams client.
pub fn may_prefer(
    person_id: Uuid,
    platform: Platform,
    device: &DeviceFacts,
) -> Result<(), DeviceRefusal> {
    if device.owner_id != person_id {
        return Err(DeviceRefusal::NotOwner);
    }
    if device.status != DeviceStatus::Active {
        return Err(DeviceRefusal::Disabled);
    }
    kind_works_on(device.kind, platform).map_err(|e| match e {
        DeviceRefusal::ChorusDeviceOnTeams => DeviceRefusal::TeamsNeedsTeamsClient,
        other => other,
    })
}

/// The device that actually rings, whatever was configured (Webex's "preferred answer
/// endpoint" with a fallback): on Teams, the active Teams client; on Chorus, the configured
/// preferred device while it is active and works, else the active desk phone, else the most
/// recently used active device that works on the platform. None when nothing can ring.
pub fn effective_preferred(
    platform: Platform,
    preferred: Option<Uuid>,
    devices: &[DeviceFacts],
) -> Option<Uuid> {
    let usable = |d: &&DeviceFacts| {
        d.status == DeviceStatus::Active && kind_works_on(d.kind, platform).is_ok()
    };
    if platform == Platform::Teams {
        return devices
            .iter()
            .filter(usable)
            .find(|d| d.kind == DeviceKind::TeamsClient)
            .map(|d| d.id);
    }
    if let Some(p) = preferred.and_then(|id| devices.iter().filter(usable).find(|d| d.id == id)) {
        return Some(p.id);
    }
    if let Some(desk) = devices
        .iter()
        .filter(usable)
        .find(|d| d.kind == DeviceKind::DeskPhone)
    {
        return Some(desk.id);
    }
    devices
        .iter()
        .filter(usable)
        .max_by_key(|d| (d.last_used, d.id))
        .map(|d| d.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeviceKind::*;
    use DeviceStatus::*;

    #[test]
    fn the_upgrade_retires_softphones_and_apps_on_chorus_only() {
        let cases = [
            (Softphone, Platform::Chorus, false, true),
            (Softphone, Platform::Chorus, true, false),
            (MobileApp, Platform::Chorus, true, false),
            (DeskPhone, Platform::Chorus, true, true),
            (TeamsClient, Platform::Teams, true, true),
            (Softphone, Platform::Teams, true, true),
        ];
        for (kind, platform, upgraded, ok) in cases {
            assert_eq!(
                after_upgrade(kind, platform, upgraded).is_ok(),
                ok,
                "{kind:?} {platform:?} {upgraded}"
            );
        }
    }

    fn dev(
        owner: Uuid,
        kind: DeviceKind,
        status: DeviceStatus,
        last_used: Option<i64>,
    ) -> DeviceFacts {
        DeviceFacts {
            id: Uuid::now_v7(),
            owner_id: owner,
            kind,
            status,
            last_used,
        }
    }

    #[test]
    fn only_own_active_devices_that_work_on_the_platform_can_be_preferred() {
        let me = Uuid::now_v7();
        let cases = [
            (dev(me, Softphone, Active, None), Platform::Chorus, Ok(())),
            (dev(me, MobileApp, Active, None), Platform::Chorus, Ok(())),
            (
                dev(Uuid::now_v7(), Softphone, Active, None),
                Platform::Chorus,
                Err(DeviceRefusal::NotOwner),
            ),
            (
                dev(me, Softphone, Disabled, None),
                Platform::Chorus,
                Err(DeviceRefusal::Disabled),
            ),
            (
                dev(me, TeamsClient, Active, None),
                Platform::Chorus,
                Err(DeviceRefusal::TeamsClientNeedsTeams),
            ),
            (
                dev(me, DeskPhone, Active, None),
                Platform::Teams,
                Err(DeviceRefusal::TeamsNeedsTeamsClient),
            ),
            (dev(me, TeamsClient, Active, None), Platform::Teams, Ok(())),
        ];
        for (i, (device, platform, expected)) in cases.into_iter().enumerate() {
            assert_eq!(may_prefer(me, platform, &device), expected, "case {i}");
        }
    }

    #[test]
    fn the_effective_device_falls_back_when_the_preferred_one_stops() {
        let me = Uuid::now_v7();
        let desk = dev(me, DeskPhone, Active, Some(10));
        let soft = dev(me, Softphone, Active, Some(20));
        let soft_off = DeviceFacts {
            status: Disabled,
            ..soft
        };
        let mobile = dev(me, MobileApp, Active, Some(30));
        let teams = dev(me, TeamsClient, Active, None);
        assert_eq!(
            effective_preferred(Platform::Chorus, Some(soft.id), &[desk, soft]),
            Some(soft.id)
        );
        assert_eq!(
            effective_preferred(Platform::Chorus, Some(soft.id), &[desk, soft_off]),
            Some(desk.id)
        );
        assert_eq!(
            effective_preferred(Platform::Chorus, None, &[soft, mobile]),
            Some(mobile.id),
            "most recent"
        );
        assert_eq!(
            effective_preferred(Platform::Chorus, Some(teams.id), &[teams]),
            None
        );
        assert_eq!(
            effective_preferred(Platform::Teams, Some(desk.id), &[desk, teams]),
            Some(teams.id)
        );
        assert_eq!(
            effective_preferred(Platform::Teams, None, &[desk]),
            None,
            "a desk phone does not ring on Teams"
        );
    }
}
