//! `Person.cutover`: the move to Teams as it concerns one person: their column answer,
//! tranche and move date, what changes for them, and their countdown e-mails.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    enums::{NotificationKind, TeamsBlocker, TeamsColumnStatus, TeamsReason},
    since,
    tranches::Tranche,
};
use crate::{
    domain::cutover::eligibility::Warning,
    graphql::{
        ctx_db, ctx_principal,
        errors::{ApiError, ApiResult},
    },
    services::cutover::person as person_service,
};

/// A countdown e-mail for the person.
#[derive(SimpleObject, Clone)]
pub struct CountdownNotice {
    /// Which e-mail.
    pub kind: NotificationKind,
    /// The London date it goes out.
    pub due_on: NaiveDate,
    /// When it was sent; null until then.
    pub sent_at: Option<DateTime<Utc>>,
    /// The e-mail's subject, once sent.
    pub subject: Option<String>,
}

/// The move to Teams as it concerns one person.
pub struct PersonCutover(person_service::PersonView);

/// The move to Teams as it concerns one person.
#[Object]
impl PersonCutover {
    /// The MS Teams column's answer.
    async fn status(&self) -> TeamsColumnStatus {
        self.0.row.verdict.status.into()
    }

    /// Why they are offered Teams.
    async fn reasons(&self) -> Vec<TeamsReason> {
        self.0
            .row
            .verdict
            .reasons
            .iter()
            .map(|r| (*r).into())
            .collect()
    }

    /// Why they cannot move.
    async fn blockers(&self) -> Vec<TeamsBlocker> {
        self.0
            .row
            .verdict
            .blockers
            .iter()
            .map(|b| (*b).into())
            .collect()
    }

    /// True when they hold a Teams licence.
    async fn licensed(&self) -> bool {
        self.0.row.licensed
    }

    /// Their tranche; null when not placed.
    async fn tranche(&self) -> Option<Tranche> {
        self.0.tranche.clone().map(Tranche)
    }

    /// The day they move; null when not placed.
    async fn move_date(&self) -> Option<NaiveDate> {
        self.0.tranche.as_ref().map(|t| t.move_date)
    }

    /// What changes for them on the day, in plain sentences.
    async fn what_changes(&self) -> Vec<String> {
        let mut out = vec![
            "You make and receive calls in Microsoft Teams, and keep your telephone numbers."
                .to_owned(),
        ];
        for w in &self.0.row.verdict.warnings {
            out.push(
                match w {
                    Warning::DeskPhoneStops => {
                        "Your Chorus desk phone stops working; it stays on your desk."
                    }
                    Warning::SoftphoneAndAppStop => {
                        "Your Chorus softphone and OpenScape Mobile app stop; use Teams instead."
                    }
                    Warning::LeavesPickupGroup => {
                        "You leave your pickup group: **3 is a Chorus desk-phone feature."
                    }
                    Warning::LosesEaWhitelist => {
                        "Your executive-assistant group becomes delegation, which has no whitelist."
                    }
                }
                .to_owned(),
            );
        }
        out
    }

    /// Their countdown e-mails, planned and sent.
    async fn notifications(&self) -> Vec<CountdownNotice> {
        self.0
            .notices
            .iter()
            .map(|n| CountdownNotice {
                kind: n.kind.into(),
                due_on: n.due_on,
                sent_at: n.sent_at,
                subject: n
                    .payload
                    .get("subject")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned),
            })
            .collect()
    }
}

/// `Person.cutover`: the person themselves, their coordinators and administrators.
pub async fn person_cutover(
    ctx: &Context<'_>,
    person: &entity::person::Model,
) -> ApiResult<Option<PersonCutover>> {
    let principal = ctx_principal(ctx)?;
    let view = person_service::of(ctx_db(ctx)?, principal, person, since(ctx, None)?)
        .await
        .map_err(ApiError::from)?;
    Ok(view.map(PersonCutover))
}
