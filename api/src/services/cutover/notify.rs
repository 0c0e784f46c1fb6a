//! The countdown sender (rule 9): claims due notices, renders each e-mail from its template,
//! keeps it in the outbox row and marks the row sent.
//!
//! Claiming is safe with several server processes: on PostgreSQL one `UPDATE … WHERE id IN
//! (SELECT … FOR UPDATE SKIP LOCKED)` claims a batch, so two senders never take the same row;
//! on SQLite the claim runs in a `BEGIN IMMEDIATE` transaction (one writer at a time). A claim
//! older than [`STALE_CLAIM`] (a sender that died) is taken again. Marking sent is
//! conditional on `sent_at IS NULL`, so a row is sent at most once.

use std::{collections::HashMap, path::Path};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{enums::NotificationKind, line, notification, person, tranche};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Statement, sea_query::Expr,
};
use uuid::Uuid;

use super::column::placeholders;

/// A claim this old belongs to a sender that stopped; the row may be claimed again.
pub const STALE_CLAIM: chrono::Duration = chrono::Duration::minutes(10);
/// Rows claimed per round.
const BATCH: u64 = 200;

/// Claims up to a batch of notices due on or before `today`.
async fn claim(
    db: &DatabaseConnection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let stale = now - STALE_CLAIM;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            #[derive(FromQueryResult)]
            struct Id {
                id: Uuid,
            }
            let sql = placeholders(
                DbBackend::Postgres,
                "UPDATE notification SET claimed_at = ? WHERE id IN (
                   SELECT id FROM notification
                   WHERE sent_at IS NULL AND due_on <= ? AND (claimed_at IS NULL OR claimed_at < ?)
                   ORDER BY due_on, id LIMIT ? FOR UPDATE SKIP LOCKED)
                 RETURNING id",
            );
            let rows = Id::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [
                    now.into(),
                    today.into(),
                    stale.into(),
                    (BATCH as i64).into(),
                ],
            ))
            .all(db)
            .await?;
            Ok(rows.into_iter().map(|r| r.id).collect())
        }
        _ => {
            let txn = crate::db::begin_write(db).await?;
            let ids: Vec<Uuid> = notification::Entity::find()
                .filter(notification::Column::SentAt.is_null())
                .filter(notification::Column::DueOn.lte(today))
                .filter(
                    sea_orm::Condition::any()
                        .add(notification::Column::ClaimedAt.is_null())
                        .add(notification::Column::ClaimedAt.lt(stale)),
                )
                .order_by_asc(notification::Column::DueOn)
                .order_by_asc(notification::Column::Id)
                .limit(BATCH)
                .all(&txn)
                .await?
                .into_iter()
                .map(|n| n.id)
                .collect();
            if !ids.is_empty() {
                notification::Entity::update_many()
                    .col_expr(notification::Column::ClaimedAt, Expr::value(now))
                    .filter(notification::Column::Id.is_in(ids.clone()))
                    .exec(&txn)
                    .await?;
            }
            txn.commit().await?;
            Ok(ids)
        }
    }
}

/// The rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The countdown template.
pub fn render(
    kind: NotificationKind,
    name: &str,
    email: &str,
    number: Option<&str>,
    t: &tranche::Model,
) -> Email {
    let when = t.move_date.format("%A %-d %B %Y").to_string();
    let (subject, opening) = match kind {
        NotificationKind::Countdown3Weeks => (
            "Telephony over Teams: 3 weeks to go",
            format!("In three weeks, on {when}, you move from Chorus to Telephony over Teams."),
        ),
        NotificationKind::Countdown1Week => (
            "Telephony over Teams: 1 week to go",
            format!("Next week, on {when}, you move from Chorus to Telephony over Teams."),
        ),
        NotificationKind::CountdownDayBefore => (
            "Telephony over Teams: you move on the next working day",
            format!("On {when} you move from Chorus to Telephony over Teams."),
        ),
    };
    let keep = match number {
        Some(n) => format!("You keep your telephone number, {n}."),
        None => "You keep your telephone numbers.".to_owned(),
    };
    let body = format!(
        "Dear {name},\n\n{opening} You are in tranche {number}, {tranche}.\n\n{keep}\n\n\
         What changes on the day:\n\
         - You make and receive calls in Microsoft Teams, with a headset, speaker and microphone.\n\
         - Your Chorus desk phone stops working. It stays on your desk.\n\
         - Chorus softphone and the OpenScape Mobile app stop; the Teams mobile app takes over.\n\
         - Chorus pickup groups no longer include you (dialling **3 is a desk-phone feature).\n\
         - Executive-assistant working becomes delegation in Teams, which has no whitelist.\n\n\
         Chorus Upgrade Project\n",
        number = t.number,
        tranche = t.name,
    );
    Email {
        to: email.to_owned(),
        subject: subject.to_owned(),
        body,
    }
}

/// Where rendered e-mails go besides the outbox row.
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    /// A mail pickup directory for `.eml` files.
    pub mail_dir: Option<std::path::PathBuf>,
    /// `host:port` of a plain SMTP relay.
    pub smtp_relay: Option<String>,
    /// The From address; empty for the default.
    pub from: String,
}

impl Delivery {
    pub fn from_settings(s: &crate::config::CutoverSettings) -> Self {
        Self {
            mail_dir: s.mail_dir.clone(),
            smtp_relay: s.smtp_relay.clone(),
            from: s.mail_from.clone(),
        }
    }

    /// Hands the e-mail to the relay. An error leaves the row unsent: the next round (after
    /// the claim goes stale) tries again.
    async fn smtp(&self, id: Uuid, email: &Email) -> Result<(), String> {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let Some(relay) = &self.smtp_relay else {
            return Ok(());
        };
        let (host, port) = relay
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
            .ok_or_else(|| format!("bad relay {relay:?}"))?;
        let from = if self.from.is_empty() {
            crate::config::CutoverSettings::default().mail_from
        } else {
            self.from.clone()
        };
        let message = Message::builder()
            .from(from.parse().map_err(|e| format!("From: {e}"))?)
            .to(email
                .to
                .parse()
                .map_err(|e| format!("To {:?}: {e}", email.to))?)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{id}@chorus>")))
            .body(email.body.clone())
            .map_err(|e| e.to_string())?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// One round of the sender: claims what is due on `today`, renders, delivers (mail
/// directory, SMTP relay, as configured) and marks each row sent. Returns how many were sent.
pub async fn send_due(
    db: &DatabaseConnection,
    delivery: &Delivery,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut sent = 0;
    loop {
        let ids = claim(db, today, now).await?;
        if ids.is_empty() {
            return Ok(sent);
        }
        let rows = notification::Entity::find()
            .filter(notification::Column::Id.is_in(ids.clone()))
            .all(db)
            .await?;
        let people: HashMap<Uuid, person::Model> = person::Entity::find()
            .filter(person::Column::Id.is_in(rows.iter().map(|r| r.person_id).collect::<Vec<_>>()))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let numbers: HashMap<Uuid, String> = line::Entity::find()
            .filter(line::Column::OwnerId.is_in(people.keys().copied().collect::<Vec<_>>()))
            .filter(line::Column::Kind.eq(entity::enums::LineKind::Personal))
            .order_by_asc(line::Column::E164)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|l| l.owner_id.map(|o| (o, l.e164)))
            .collect();
        let tranches: HashMap<Uuid, tranche::Model> = tranche::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        for row in rows {
            let (Some(p), Some(t)) = (
                people.get(&row.person_id),
                row.tranche_id.and_then(|id| tranches.get(&id)),
            ) else {
                continue;
            };
            let email = render(
                row.kind,
                &p.display_name,
                &p.email,
                numbers.get(&p.id).map(String::as_str),
                t,
            );
            if let Some(dir) = &delivery.mail_dir {
                write_eml(dir, row.id, &email).map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            if let Err(e) = delivery.smtp(row.id, &email).await {
                tracing::warn!(notification = %row.id, error = %e, "countdown e-mail not relayed; retried later");
                continue;
            }
            let payload = serde_json::json!({
                "to": email.to,
                "subject": email.subject,
                "body": email.body,
                "sentFor": today,
            });
            let marked = notification::Entity::update_many()
                .col_expr(notification::Column::SentAt, Expr::value(now))
                .col_expr(notification::Column::Payload, Expr::value(payload))
                .filter(notification::Column::Id.eq(row.id))
                .filter(notification::Column::SentAt.is_null())
                .exec(db)
                .await?
                .rows_affected;
            sent += marked as usize;
        }
    }
}

/// Writes the e-mail as an RFC 5322 message into a mail pickup directory (atomically: a
/// temporary name, then a rename).
fn write_eml(dir: &Path, id: Uuid, email: &Email) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = format!(
        "To: {}\r\nFrom: Chorus Upgrade Project <chorus-upgrade@it.ox.ac.uk>\r\nSubject: {}\r\n\
         Message-ID: <{id}@chorus>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
        email.to,
        email.subject,
        email.body.replace('\n', "\r\n")
    );
    let tmp = dir.join(format!(".{id}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, dir.join(format!("{id}.eml")))
}

/// Runs the sender every `interval` until the runtime stops.
pub fn spawn(db: DatabaseConnection, delivery: Delivery, interval: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = Utc::now();
            match send_due(&db, &delivery, super::london_today(now), now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "countdown notices sent"),
                Err(e) => {
                    tracing::warn!(error = %e, "countdown sender failed; retrying next round")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_names_the_day_and_keeps_the_number() {
        let t = tranche::Model {
            id: Uuid::nil(),
            number: 2,
            name: "Colleges".into(),
            cohort: entity::enums::Cohort::College,
            move_date: NaiveDate::from_ymd_opt(2022, 6, 13).expect("valid"),
            capacity: 250,
            state: entity::enums::TrancheState::Planned,
            created_at: Utc::now(),
            version: 1,
        };
        let e = render(
            NotificationKind::CountdownDayBefore,
            "Ada Lovelace",
            "ada@example.ox.ac.uk",
            Some("+441865270000"),
            &t,
        );
        assert_eq!(e.to, "ada@example.ox.ac.uk");
        assert!(e.subject.contains("next working day"));
        assert!(e.body.contains("Monday 13 June 2022"), "{}", e.body);
        assert!(e.body.contains("+441865270000"));
        assert!(e.body.contains("tranche 2, Colleges"));
        let e = render(NotificationKind::Countdown3Weeks, "A", "a@x", None, &t);
        assert!(e.subject.contains("3 weeks"));
    }
}
