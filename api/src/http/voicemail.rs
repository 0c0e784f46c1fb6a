//! Voicemail over plain HTTP: the PBX delivers messages, apps play them.
//!
//! - `POST /v1/mailboxes/{number}/voicemails` (service scope `voicemail:write`): the audio as
//!   the raw body (`Content-Type: audio/*` or `application/octet-stream`) with `pbxMessageId`,
//!   `caller` and `receivedAt` in the query string, or as `multipart/form-data` with those
//!   fields and a file part `audio`. 201 with the stored message; 200 with the stored message
//!   when the PBX message id was already delivered; errors as JSON with `extensions.code` and,
//!   for refused audio, `extensions.reason` (`NOT_AUDIO`, `CORRUPT`, `TOO_LONG`, …).
//!   Every text field is at most [`MAX_FIELD_BYTES`], counted while it is read: a longer one
//!   is 413 `LIMIT_EXCEEDED` (reason `FIELD_TOO_LARGE`) as soon as the bound is passed, and a
//!   multipart body as a whole at most the audio limit plus [`MULTIPART_OVERHEAD`]. An unknown
//!   or repeated field is 400 before it is read. `receivedAt` is RFC 3339 within the bounds of
//!   any PBX instant ([`PbxTime`]).
//! - `GET`/`HEAD /v1/voicemails/{id}/audio`: the recording, streamed from the store, with a
//!   bearer token or a signed URL's `token`. `Range` (one range → 206, unsatisfiable → 416,
//!   several → 200 with everything), `ETag` (the content hash) with `If-None-Match` and
//!   `If-Range`, the container's `Content-Type`. `?format=wav` serves a 16-bit PCM WAV
//!   rendition (decoded once, then kept in the store) for players that cannot play G.711;
//!   `?download=1` asks the browser to save rather than play.

use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Path, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::EntityTrait;
use serde::Deserialize;
use storage::{BlobKey, ProbeError, RangeDecision, StorageError, parse_range};
use uuid::Uuid;

use crate::{
    auth::{AuthError, Principal, principal::authenticate_known},
    domain::{pbx::PbxTime, text::Quoted},
    graphql::{
        errors::ApiError,
        node::{NodeType, decode, encode},
    },
    http::errors::Params,
    services::voicemail::{self as service, IngestError, IngestInput, Ingested},
    state::AppState,
};

/// The scope a service account needs to deliver voicemail.
pub const INGEST_SCOPE: &str = "voicemail:write";

/// The most bytes of one text field (`pbxMessageId`, `caller`, `receivedAt`), from the query
/// string or a multipart part.
pub const MAX_FIELD_BYTES: usize = 1024;

/// What a multipart ingest may hold beside the audio: part headers, boundaries and the three
/// text fields.
pub const MULTIPART_OVERHEAD: usize = 64 << 10;

/// The text fields of an ingest, in the order the documentation lists them.
const TEXT_FIELDS: [&str; 3] = ["pbxMessageId", "caller", "receivedAt"];

/// Query parameters of the ingest route (also accepted as multipart fields).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngestParams {
    pbx_message_id: Option<String>,
    caller: Option<String>,
    received_at: Option<String>,
}

/// A refused ingest, answered as JSON.
pub struct IngestFailure {
    status: StatusCode,
    code: &'static str,
    reason: Option<&'static str>,
    message: String,
}

impl IngestFailure {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            reason: None,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message)
    }

    fn too_large(max: usize) -> Self {
        Self {
            reason: Some("TOO_LARGE"),
            ..Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "LIMIT_EXCEEDED",
                format!("the audio is larger than the {max} bytes allowed"),
            )
        }
    }

    fn field_too_large(name: &str) -> Self {
        Self {
            reason: Some("FIELD_TOO_LARGE"),
            ..Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "LIMIT_EXCEEDED",
                format!("{name} is longer than the {MAX_FIELD_BYTES} bytes allowed"),
            )
        }
    }
}

impl From<ApiError> for IngestFailure {
    fn from(e: ApiError) -> Self {
        let status = match &e {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::BadUserInput(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::LimitExceeded(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "voicemail ingest failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self::new(status, e.code(), e.message())
    }
}

impl From<IngestError> for IngestFailure {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::MailboxNotFound(number) => Self::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!(
                    "not found: no mailbox has the number {}",
                    Quoted::new(&number)
                ),
            ),
            IngestError::Invalid { field, message } => Self::bad(format!("{field}: {message}")),
            IngestError::Conflict(id) => Self {
                reason: Some("CONFLICT"),
                ..Self::new(
                    StatusCode::CONFLICT,
                    "BAD_USER_INPUT",
                    format!(
                        "message {} was already delivered to another mailbox",
                        Quoted::new(&id)
                    ),
                )
            },
            IngestError::Audio(probe) => probe_failure(&probe),
            IngestError::Storage(e) => {
                tracing::error!(error = %e, "blob store failed during voicemail ingest");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "INTERNAL",
                    "the voicemail store is unavailable; retry later",
                )
            }
            IngestError::Db(e) => {
                tracing::error!(error = %e, "database failed during voicemail ingest");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "INTERNAL",
                    "the database is unavailable; retry later",
                )
            }
        }
    }
}

/// The answer to audio that is not accepted: 413 when too big, 422 otherwise.
fn probe_failure(probe: &ProbeError) -> IngestFailure {
    let (status, code) = match probe {
        ProbeError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "LIMIT_EXCEEDED"),
        ProbeError::TooLong { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "LIMIT_EXCEEDED"),
        ProbeError::Aborted => (StatusCode::SERVICE_UNAVAILABLE, "INTERNAL"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "BAD_USER_INPUT"),
    };
    IngestFailure {
        status,
        code,
        reason: Some(probe.code()),
        message: crate::services::voicemail::audio_message(probe),
    }
}

impl IntoResponse for IngestFailure {
    fn into_response(self) -> Response {
        let mut extensions = serde_json::json!({ "code": self.code });
        if let Some(reason) = self.reason {
            extensions["reason"] = reason.into();
        }
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": extensions }]
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// The ingest handler.
pub async fn ingest(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Params(params): Params<IngestParams>,
    request: Request,
) -> Result<Response, IngestFailure> {
    let principal = authenticate_known(request.headers(), &state.keys, &state.db)
        .await
        .map_err(|_| IngestFailure::from(ApiError::Unauthenticated))?;
    if !principal.has_scope(INGEST_SCOPE) {
        return Err(ApiError::Forbidden(format!(
            "delivering voicemail needs a service account with the {INGEST_SCOPE} scope"
        ))
        .into());
    }
    let max = state.voicemails.settings.max_bytes;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (params, bytes) = if content_type.starts_with("multipart/form-data") {
        let cap = max.saturating_add(MULTIPART_OVERHEAD);
        let (parts, body) = request.into_parts();
        let request = Request::from_parts(parts, capped(body, cap));
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| IngestFailure::bad(format!("unreadable multipart body: {e}")))?;
        read_multipart(multipart, params, max).await?
    } else {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !(essence.starts_with("audio/") || essence == "application/octet-stream") {
            return Err(IngestFailure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "BAD_USER_INPUT",
                "send the audio as audio/* or application/octet-stream, or as multipart/form-data",
            ));
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|n| n > max) {
            return Err(IngestFailure::too_large(max));
        }
        let bytes = read_limited(request.into_body(), max, declared.unwrap_or(0)).await?;
        (params, bytes)
    };
    // The query string's values are held to the bound of multipart fields too.
    for (name, value) in
        TEXT_FIELDS
            .into_iter()
            .zip([&params.pbx_message_id, &params.caller, &params.received_at])
    {
        if value.as_ref().is_some_and(|v| v.len() > MAX_FIELD_BYTES) {
            return Err(IngestFailure::field_too_large(name));
        }
    }
    let input = IngestInput {
        pbx_message_id: params
            .pbx_message_id
            .ok_or_else(|| IngestFailure::bad("pbxMessageId is required"))?,
        caller: params.caller,
        received_at: params
            .received_at
            .as_deref()
            .map(|t| received_at(t, Utc::now()))
            .transpose()?,
    };
    let Ingested { voicemail, created } = state
        .voicemails
        .ingest(&state.db, &principal, &number, input, bytes)
        .await?;
    let id = encode(NodeType::Voicemail, voicemail.id);
    let body = serde_json::json!({
        "id": id.as_str(),
        "voicemailId": voicemail.id,
        "pbxMessageId": voicemail.pbx_message_id,
        "receivedAt": voicemail.received_at,
        "callerNumber": voicemail.caller_number,
        "durationMs": voicemail.duration_ms,
        "container": voicemail.container,
        "codec": voicemail.codec,
        "sampleRate": voicemail.sample_rate,
        "channels": voicemail.channels,
        "byteSize": voicemail.byte_size,
        "sha256": voicemail.sha256,
        "created": created,
    });
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/v1/voicemails/{}/audio", id.as_str());
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::LOCATION, location),
        ],
        body.to_string(),
    )
        .into_response())
}

/// Reads a body up to `max` bytes; 413 beyond. `expected` (the `Content-Length`, which hyper
/// holds the body to) sizes the buffer once instead of growing it by copies.
async fn read_limited(body: Body, max: usize, expected: usize) -> Result<Bytes, IngestFailure> {
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::with_capacity(expected.min(max));
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| IngestFailure::bad(format!("the body could not be read: {e}")))?
    {
        if buf.len() + chunk.len() > max {
            return Err(IngestFailure::too_large(max));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// `receivedAt`: RFC 3339, and a possible PBX instant ([`PbxTime`]: 2000 to five minutes
/// ahead of `now`).
fn received_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, IngestFailure> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            IngestFailure::bad(format!(
                "receivedAt: {} is not an RFC 3339 date and time",
                Quoted::new(text)
            ))
        })?;
    PbxTime::new(at, now)
        .map(PbxTime::get)
        .map_err(|e| IngestFailure::bad(format!("receivedAt: {e}")))
}

/// The body as a stream that fails with [`BodyTooLarge`] once more than `cap` bytes came:
/// whatever a multipart parser buffers (a part's headers, a preamble) stays within it.
fn capped(body: Body, cap: usize) -> Body {
    let mut seen = 0_usize;
    Body::from_stream(body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(axum::BoxError::from)?;
        seen = seen.saturating_add(chunk.len());
        if seen > cap {
            return Err(BodyTooLarge(cap).into());
        }
        Ok::<_, axum::BoxError>(chunk)
    }))
}

/// A multipart body passed its cap.
#[derive(Debug, thiserror::Error)]
#[error("the body is larger than {0} bytes")]
struct BodyTooLarge(usize);

/// A multipart error as an answer: 413 when the body passed its cap, 400 otherwise.
fn multipart_failure(e: &axum::extract::multipart::MultipartError) -> IngestFailure {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(BodyTooLarge(cap)) = c.downcast_ref::<BodyTooLarge>() {
            return IngestFailure {
                reason: Some("TOO_LARGE"),
                ..IngestFailure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "LIMIT_EXCEEDED",
                    format!("the multipart body is larger than the {cap} bytes allowed"),
                )
            };
        }
        cause = c.source();
    }
    IngestFailure::bad(format!("unreadable multipart body: {e}"))
}

/// Reads the fields and the one `audio` file of a multipart ingest. Each part is read in
/// chunks and refused as soon as it passes its bound (the audio `max`, a text field
/// [`MAX_FIELD_BYTES`]); an unknown or repeated part before any of it is read.
async fn read_multipart(
    mut multipart: Multipart,
    mut params: IngestParams,
    max: usize,
) -> Result<(IngestParams, Bytes), IngestFailure> {
    let mut audio = None;
    let mut seen: Vec<&'static str> = Vec::with_capacity(TEXT_FIELDS.len());
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_failure(&e))?
    {
        let name = field.name().unwrap_or("");
        let text = match name {
            "audio" | "file" if audio.is_some() => {
                return Err(IngestFailure::bad("send one audio part"));
            }
            "audio" | "file" => None,
            other => match TEXT_FIELDS.into_iter().find(|f| *f == other) {
                Some(known) if seen.contains(&known) => {
                    return Err(IngestFailure::bad(format!("send {known} once")));
                }
                Some(known) => {
                    seen.push(known);
                    Some(known)
                }
                None => {
                    return Err(IngestFailure::bad(format!(
                        "unknown field {}: expected audio, pbxMessageId, caller, receivedAt",
                        Quoted::new(other)
                    )));
                }
            },
        };
        let limit = if text.is_some() { MAX_FIELD_BYTES } else { max };
        let mut buf = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_failure(&e))? {
            if buf.len() + chunk.len() > limit {
                return Err(match text {
                    Some(known) => IngestFailure::field_too_large(known),
                    None => IngestFailure::too_large(max),
                });
            }
            buf.extend_from_slice(&chunk);
        }
        let Some(known) = text else {
            audio = Some(buf.freeze());
            continue;
        };
        let value = String::from_utf8(buf.to_vec())
            .map_err(|_| IngestFailure::bad(format!("{known} is not UTF-8 text")))?;
        let slot = match known {
            "pbxMessageId" => &mut params.pbx_message_id,
            "caller" => &mut params.caller,
            _ => &mut params.received_at,
        };
        *slot = Some(value);
    }
    let audio = audio.ok_or_else(|| IngestFailure::bad("the multipart body has no audio part"))?;
    Ok((params, audio))
}

/// Query parameters of the audio route.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AudioParams {
    /// A signed URL's token (instead of a bearer token).
    token: Option<String>,
    /// `wav` for the 16-bit PCM rendition; default the original.
    format: Option<String>,
    /// `1`/`true` for `Content-Disposition: attachment`.
    download: Option<String>,
}

/// A voicemail id in a path: a global ID or the plain UUID.
fn voicemail_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).or_else(|_| decode(NodeType::Voicemail, text))
}

/// The audio handler (GET and HEAD).
pub async fn audio(
    State(state): State<AppState>,
    method: Method,
    Path(id): Path<String>,
    Params(params): Params<AudioParams>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let id = voicemail_id(&id).map_err(IntoResponse::into_response)?;
    let not_found = || ApiError::NotFound("no such voicemail".into()).into_response();
    let vm = match &params.token {
        Some(token) => {
            state
                .voicemails
                .media
                .verify(token, id)
                .map_err(IntoResponse::into_response)?;
            entity::voicemail::Entity::find_by_id(id)
                .one(&state.db)
                .await
                .map_err(|e| ApiError::from(e).into_response())?
        }
        None => {
            let principal: Principal = authenticate_known(&headers, &state.keys, &state.db)
                .await
                .map_err(AuthError::into_response)?;
            service::readable(&state.db, &principal, id)
                .await
                .map_err(|e| ApiError::from(e).into_response())?
                .map(|(vm, _)| vm)
        }
    };
    let vm = vm
        .filter(|vm| vm.state != entity::enums::VoicemailState::Deleted)
        .ok_or_else(not_found)?;
    let wav = match params.format.as_deref() {
        None | Some("original") => false,
        Some("wav") => true,
        Some(other) => {
            return Err(ApiError::BadUserInput(format!(
                "format {}: use wav, or leave it out for the original",
                Quoted::new(other)
            ))
            .into_response());
        }
    };
    let original = service::blob_key(&vm).map_err(|e| ApiError::internal(e).into_response())?;
    let (key, size, etag, mime) = if wav {
        let key = BlobKey::rendition(vm.id);
        let size = rendition(&state, &original, &key).await?;
        (key, size, format!("\"{}-pcm16\"", vm.sha256), "audio/wav")
    } else {
        (
            original,
            vm.byte_size as u64,
            format!("\"{}\"", vm.sha256),
            original.container().mime_type(),
        )
    };
    let extension = key.container().extension();
    let disposition = format!(
        "{}; filename=\"voicemail-{}.{extension}\"",
        if matches!(params.download.as_deref(), Some("1" | "true")) {
            "attachment"
        } else {
            "inline"
        },
        vm.id
    );
    let mut response = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "private, max-age=3600")
        .header(header::CONTENT_DISPOSITION, disposition);
    if if_none_match(&headers, &etag) {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .map_err(|e| ApiError::internal(e).into_response());
    }
    let range_header = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| if_range_holds(&headers, &etag));
    let decision = parse_range(range_header, size);
    response = response.header(header::CONTENT_TYPE, mime);
    if let Some(content_range) = decision.content_range(size) {
        response = response.header(header::CONTENT_RANGE, content_range);
    }
    let status = StatusCode::from_u16(decision.status()).unwrap_or(StatusCode::OK);
    let length = match decision {
        RangeDecision::Full => size,
        RangeDecision::Partial { start, end } => end - start + 1,
        RangeDecision::Unsatisfiable => {
            return response
                .status(status)
                .body(Body::empty())
                .map_err(|e| ApiError::internal(e).into_response());
        }
    };
    response = response
        .status(status)
        .header(header::CONTENT_LENGTH, length);
    if method == Method::HEAD || length == 0 {
        return response
            .body(Body::empty())
            .map_err(|e| ApiError::internal(e).into_response());
    }
    let stored = match decision.byte_range() {
        Some(range) => state.voicemails.store.get_range(&key, range).await,
        None => state.voicemails.store.get(&key).await,
    };
    let blob = stored.map_err(|e| storage_failure(&key, e))?;
    let body = Body::from_stream(blob.body.map_err(std::io::Error::other));
    response
        .body(body)
        .map_err(|e| ApiError::internal(e).into_response())
}

/// Size of the WAV rendition, rendering and storing it on first use.
async fn rendition(state: &AppState, original: &BlobKey, key: &BlobKey) -> Result<u64, Response> {
    match state.voicemails.store.head(key).await {
        Ok(meta) => return Ok(meta.size),
        Err(StorageError::NotFound { .. }) => {}
        Err(e) => return Err(storage_failure(key, e)),
    }
    let max = state.voicemails.settings.max_bytes as u64;
    let bytes = state
        .voicemails
        .store
        .get_bytes(original, max)
        .await
        .map_err(|e| storage_failure(original, e))?;
    let wav = state
        .voicemails
        .audio
        .render_wav(bytes)
        .await
        .map_err(|e| {
            ApiError::internal(anyhow::anyhow!("rendering {original}: {e}")).into_response()
        })?;
    let stored = state
        .voicemails
        .store
        .put(key, Bytes::from(wav))
        .await
        .map_err(|e| storage_failure(key, e))?;
    Ok(stored.size)
}

fn storage_failure(key: &BlobKey, e: StorageError) -> Response {
    match e {
        StorageError::NotFound { .. } => {
            tracing::error!(key = %key, "a voicemail row names a blob that is missing; run `chorus storage fsck`");
            ApiError::NotFound("the recording is missing".into()).into_response()
        }
        other => {
            tracing::error!(key = %key, error = %other, "blob store failed while serving audio");
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({"errors": [{"message": "the voicemail store is unavailable; retry later", "extensions": {"code": "INTERNAL"}}]}).to_string(),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    }
}

/// True when `If-None-Match` names the current ETag (weak comparison, RFC 9110 §13.1.2).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// True when there is no `If-Range`, or it names the current ETag (strong comparison): a
/// client resuming a download of another version must get the whole body.
fn if_range_holds(headers: &HeaderMap, etag: &str) -> bool {
    match headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(v) => v.trim() == etag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_preconditions() {
        let mut headers = HeaderMap::new();
        assert!(!if_none_match(&headers, "\"abc\""));
        assert!(if_range_holds(&headers, "\"abc\""));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(if_none_match(&headers, "\"abc\""));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(if_none_match(&headers, "\"abc\""));
        headers.insert(header::IF_RANGE, HeaderValue::from_static("\"old\""));
        assert!(!if_range_holds(&headers, "\"abc\""));
        headers.insert(header::IF_RANGE, HeaderValue::from_static("\"abc\""));
        assert!(if_range_holds(&headers, "\"abc\""));
    }

    #[test]
    fn path_ids_are_global_ids_or_uuids() {
        let id = Uuid::now_v7();
        assert_eq!(voicemail_id(&id.to_string()).ok(), Some(id));
        let global = encode(NodeType::Voicemail, id);
        assert_eq!(voicemail_id(global.as_str()).ok(), Some(id));
        assert!(voicemail_id(encode(NodeType::Person, id).as_str()).is_err());
    }
}
