//! GraphQL enums. They mirror the entity enums one to one but are separate types, so the
//! table layout never becomes the public API by accident (ARCHITECTURE.md, Conventions).

use entity::enums as db;

/// Declares a GraphQL enum with the variants of an entity or domain enum, and both conversions.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $src:ty { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $(#[$meta])*
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl From<$src> for $name {
            fn from(v: $src) -> Self {
                match v { $(<$src>::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for $src {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$src>::$variant),+ }
            }
        }
    };
}

pub(crate) use mirror_enum;

mirror_enum! {
    /// What kind of organisational unit this is.
    UnitKind <=> db::UnitKind {
        /// A college or hall.
        College,
        /// An academic department.
        Department,
        /// A division of University Administration and Services.
        UasDivision,
        /// Anything else (e.g. a university company).
        Other,
    }
}

mirror_enum! {
    /// Which Microsoft Teams instance a unit is on.
    TeamsTenant <=> db::TeamsTenant {
        /// The university's main Teams instance: its people may move to Telephony over Teams.
        Main,
        /// A separate Teams instance (e.g. Saïd Business School): its lines cannot move.
        Separate,
    }
}

mirror_enum! {
    /// Whether a person appears in the directory.
    DirectoryStatus <=> db::DirectoryStatus {
        /// Shown to everyone.
        Listed,
        /// Hidden from the directory except to admins and coordinators of the person's unit.
        ExDirectory,
    }
}

mirror_enum! {
    /// The telephone platform a person, or a group, is on: one or the other, never both.
    Platform <=> db::Platform {
        /// The (upgraded) Chorus system.
        Chorus,
        /// Telephony over Teams.
        Teams,
    }
}

mirror_enum! {
    /// What a telephone line is for.
    LineKind <=> db::LineKind {
        /// Assigned to a single person; may move to Teams.
        Personal,
        /// Shared by several people (a reception, a lab): cannot move to Teams.
        Shared,
        /// A critical line (lifts, emergency phones): cannot move to Teams.
        Critical,
    }
}

mirror_enum! {
    /// How far a line may dial.
    DiallingPermission <=> db::DiallingPermission {
        /// University extensions only.
        Internal,
        /// Internal and local numbers.
        Local,
        /// Internal, local and national numbers.
        National,
        /// Any number, including international ones.
        International,
    }
}

mirror_enum! {
    /// The kind of a device that can ring for a line.
    DeviceKind <=> db::DeviceKind {
        /// A Chorus desk phone.
        DeskPhone,
        /// The Chorus softphone on a PC or Mac (stops at the Chorus upgrade).
        Softphone,
        /// The OpenScape Mobile (OSMO) app (stops at the Chorus upgrade).
        MobileApp,
        /// Microsoft Teams with Telephony over Teams.
        TeamsClient,
    }
}

mirror_enum! {
    /// Whether a device works.
    DeviceStatus <=> db::DeviceStatus {
        /// The device rings and can call.
        Active,
        /// The device no longer works (e.g. a desk phone after a move to Teams).
        Disabled,
        /// The device left service for good (`retireDevice`); it is kept for the call history
        /// and cannot be enabled again.
        Retired,
    }
}

mirror_enum! {
    /// Direction of a call, seen from the University.
    CallDirection <=> db::CallDirection {
        /// From outside to a University number.
        Inbound,
        /// From a University number to outside.
        Outbound,
        /// Between two University extensions.
        Internal,
    }
}

mirror_enum! {
    /// How a call ended.
    CallResult <=> db::CallResult {
        /// Someone answered.
        Answered,
        /// Nobody answered.
        Missed,
        /// It went to voicemail.
        Voicemail,
        /// The line was busy.
        Busy,
        /// The call could not be set up.
        Failed,
    }
}

mirror_enum! {
    /// A person's part in a call.
    CallRole <=> db::CallRole {
        /// They called.
        Caller,
        /// Their line was dialled.
        Dialled,
        /// They answered a call dialled to someone else (hunt group, assistant).
        Answered,
    }
}

mirror_enum! {
    /// Where a voicemail is in its life.
    VoicemailState <=> db::VoicemailState {
        /// Not listened to yet.
        New,
        /// Listened to (or marked as read).
        Read,
        /// Kept on purpose.
        Saved,
        /// Deleted: hidden from lists, audio kept until the retention period ends, then purged.
        Deleted,
    }
}

mirror_enum! {
    /// A role as GraphQL and guards see it. Every person is a USER.
    Role <=> crate::auth::Role {
        /// Any signed-in person: sees and manages their own things.
        User,
        /// A telephone coordinator: manages the people of their units.
        Coordinator,
        /// A telephone administrator: everything.
        Admin,
        /// An automation or PBX service account, limited by its scopes.
        Service,
    }
}

mirror_enum! {
    /// A role granted in Chorus (USER is everyone's, SERVICE an account's kind).
    GrantedRole <=> db::GrantedRole {
        /// A telephone administrator: everything.
        Admin,
        /// A telephone coordinator of one unit.
        Coordinator,
    }
}
