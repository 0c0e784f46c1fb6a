//! The one error type of the blob store.

use crate::key::KeyError;

/// Why a blob store operation failed.
///
/// `code()` is stable and safe to show a client; the `Display` text and the source chain are
/// for logs (they may name paths, hosts or buckets).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No blob under this key.
    #[error("blob {key} not found")]
    NotFound { key: String },

    /// A blob that is written once (an original recording, a greeting) already exists.
    #[error("blob {key} already exists")]
    AlreadyExists { key: String },

    /// A path that is not in the key format (from a listing, or a stored key).
    #[error(transparent)]
    InvalidKey(#[from] KeyError),

    /// A byte range that cannot be read (empty, or starting past the end of the blob).
    #[error("invalid byte range {start}..{end} of blob {key}")]
    InvalidRange { key: String, start: u64, end: u64 },

    /// A blob is larger than the caller is willing to hold in memory.
    #[error("blob {key} is {size} bytes, more than the {max} allowed")]
    TooLarge { key: String, size: u64, max: u64 },

    /// The storage settings are unusable (bad URL, missing bucket, directory not creatable).
    #[error("storage configuration: {0}")]
    Config(String),

    /// The backend failed or could not be reached; retrying later may work.
    #[error("object store unavailable")]
    Unavailable(#[source] object_store::Error),
}

impl StorageError {
    /// Stable machine-readable code, e.g. for `extensions.code` or a JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            StorageError::NotFound { .. } => "NOT_FOUND",
            StorageError::AlreadyExists { .. } => "ALREADY_EXISTS",
            StorageError::InvalidKey(_) => "INVALID_KEY",
            StorageError::InvalidRange { .. } => "INVALID_RANGE",
            StorageError::TooLarge { .. } => "TOO_LARGE",
            StorageError::Config(_) => "CONFIG",
            StorageError::Unavailable(_) => "UNAVAILABLE",
        }
    }

    /// Maps an object_store error for `key`: the two outcomes callers act on (absent, already
    /// there) get their own variants, everything else is the backend's failure.
    pub(crate) fn from_store(key: &str, err: object_store::Error) -> Self {
        match err {
            object_store::Error::NotFound { .. } => StorageError::NotFound {
                key: key.to_owned(),
            },
            object_store::Error::AlreadyExists { .. } => StorageError::AlreadyExists {
                key: key.to_owned(),
            },
            other => {
                // Counted for `/metrics`: a store that fails is an operational alarm, a
                // missing key is not.
                metrics::counter!("chorus_store_errors_total").increment(1);
                StorageError::Unavailable(other)
            }
        }
    }
}
