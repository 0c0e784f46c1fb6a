//! Which backend holds the blobs, from one URL plus the usual `AWS_*` variables.
//!
//! | `storage_url`            | backend                                                  |
//! |--------------------------|----------------------------------------------------------|
//! | unset or empty           | local filesystem under `<data dir>/blobs`                |
//! | `file:///abs/dir`        | local filesystem under `/abs/dir`                        |
//! | `memory:`                | in process memory (tests, demos; lost on exit)           |
//! | `s3://bucket[/prefix]`   | S3 or an S3-compatible server, keys under `prefix/`      |
//!
//! For S3, every `AWS_*` variable that object_store knows is passed on as it is, among them
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` /
//! `AWS_DEFAULT_REGION` (default `us-east-1`), `AWS_ENDPOINT` / `AWS_ENDPOINT_URL` (an
//! S3-compatible server), `AWS_VIRTUAL_HOSTED_STYLE_REQUEST` (default path-style),
//! `AWS_ALLOW_HTTP`, `AWS_CONDITIONAL_PUT`, `AWS_CHECKSUM_ALGORITHM` and the web-identity /
//! container credential variables. Plain `http://` is allowed without `AWS_ALLOW_HTTP` only
//! for a loopback endpoint (`127.0.0.0/8`, `[::1]`, `localhost`). `AWS_PROFILE` and the
//! `~/.aws` files are not read. The bucket always comes from the URL.

use std::fmt;
use std::path::{Path, PathBuf};

use object_store::aws::AmazonS3ConfigKey;

use crate::error::StorageError;

/// Where the blobs live. `Display` is safe to log: it never shows a credential.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    Local { root: PathBuf },
    Memory,
    S3(S3Config),
}

/// An S3 bucket (optionally a prefix inside it) and the `AWS_*` settings to reach it.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Keys are stored under `prefix/` when set (several deployments in one bucket).
    pub prefix: Option<String>,
    /// Settings for object_store's `AmazonS3Builder`, from `AWS_*` variables.
    options: Vec<(AmazonS3ConfigKey, String)>,
}

impl StorageConfig {
    /// Reads the storage URL (e.g. the `STORAGE_URL` setting) and the process's `AWS_*`
    /// variables. See the module documentation for the accepted URLs.
    pub fn from_url_and_env(url: Option<&str>, data_dir: &Path) -> Result<Self, StorageError> {
        Self::from_url_and_vars(url, data_dir, std::env::vars())
    }

    /// As [`Self::from_url_and_env`], with the variables given (tests build them in code).
    pub fn from_url_and_vars(
        url: Option<&str>,
        data_dir: &Path,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, StorageError> {
        let url = url.map(str::trim).unwrap_or_default();
        if url.is_empty() {
            return Ok(StorageConfig::Local {
                root: data_dir.join("blobs"),
            });
        }
        if url == "memory:" || url == "memory://" {
            return Ok(StorageConfig::Memory);
        }
        if let Some(path) = url.strip_prefix("file://") {
            let root = PathBuf::from(path);
            if !root.is_absolute() {
                return Err(StorageError::Config(format!(
                    "storage URL {url:?}: a file:// URL needs an absolute path"
                )));
            }
            return Ok(StorageConfig::Local { root });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            return S3Config::new(rest, vars).map(StorageConfig::S3);
        }
        Err(StorageError::Config(format!(
            "storage URL {url:?}: expected s3://bucket[/prefix], file:///dir or memory:"
        )))
    }
}

impl fmt::Display for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageConfig::Local { root } => write!(f, "local filesystem {}", root.display()),
            StorageConfig::Memory => f.write_str("in-memory store"),
            StorageConfig::S3(s3) => {
                write!(f, "s3://{}", s3.bucket)?;
                if let Some(prefix) = &s3.prefix {
                    write!(f, "/{prefix}")?;
                }
                if let Some(endpoint) = s3.endpoint() {
                    write!(f, " at {endpoint}")?;
                }
                Ok(())
            }
        }
    }
}

impl S3Config {
    /// `rest` is the URL after `s3://`.
    fn new(
        rest: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, StorageError> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !valid_bucket_name(bucket) {
            return Err(StorageError::Config(format!(
                "s3://{rest}: {bucket:?} is not a bucket name"
            )));
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            None
        } else {
            object_store::path::Path::parse(prefix)
                .map_err(|e| StorageError::Config(format!("s3://{rest}: bad prefix: {e}")))?;
            Some(prefix.to_owned())
        };

        let mut options: Vec<(AmazonS3ConfigKey, String)> = vars
            .into_iter()
            .filter(|(name, _)| name.starts_with("AWS_"))
            .filter_map(|(name, value)| {
                let key = name
                    .to_ascii_lowercase()
                    .parse::<AmazonS3ConfigKey>()
                    .ok()?;
                (!matches!(key, AmazonS3ConfigKey::Bucket)).then_some((key, value))
            })
            .collect();
        // Keep a fixed order so that building twice gives the same client.
        options.sort_by_key(|(key, _)| key.as_ref().to_owned());

        let mut config = S3Config {
            bucket: bucket.to_owned(),
            prefix,
            options,
        };
        let explicit_http = config.option(&AmazonS3ConfigKey::Client(
            object_store::ClientConfigKey::AllowHttp,
        ));
        if explicit_http.is_none() && config.endpoint().is_some_and(is_loopback_http) {
            config.options.push((
                AmazonS3ConfigKey::Client(object_store::ClientConfigKey::AllowHttp),
                "true".to_owned(),
            ));
        }
        Ok(config)
    }

    /// The S3-compatible endpoint, when not AWS itself.
    pub fn endpoint(&self) -> Option<&str> {
        self.option(&AmazonS3ConfigKey::S3Endpoint)
            .or_else(|| self.option(&AmazonS3ConfigKey::Endpoint))
    }

    fn option(&self, key: &AmazonS3ConfigKey) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn builder(&self) -> object_store::aws::AmazonS3Builder {
        let builder = self.options.iter().fold(
            object_store::aws::AmazonS3Builder::new(),
            |b, (key, value)| b.with_config(*key, value),
        );
        let builder = builder.with_bucket_name(&self.bucket);
        if builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .is_none()
        {
            builder.with_region("us-east-1")
        } else {
            builder
        }
    }
}

/// Values are shown only for settings that are not secrets.
impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let options: Vec<String> = self
            .options
            .iter()
            .map(|(key, value)| {
                if is_secret(key) {
                    format!("{}=<redacted>", key.as_ref())
                } else {
                    format!("{}={value}", key.as_ref())
                }
            })
            .collect();
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("options", &options)
            .finish()
    }
}

fn is_secret(key: &AmazonS3ConfigKey) -> bool {
    // By name: the SSE-C key's variant is not nameable from outside object_store.
    let name = key.as_ref();
    name.contains("secret") || name.contains("token") || name.contains("customer_key")
}

/// S3 bucket naming rules, loosely: 3–63 of `a-z 0-9 . -`, starting and ending alphanumeric.
fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// `http://` to this machine: a test or sidecar server, where TLS buys nothing.
fn is_loopback_http(endpoint: &str) -> bool {
    let Some(rest) = endpoint.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.starts_with("[::1]") {
        return true;
    }
    let host = host.split(':').next().unwrap_or_default();
    host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_url_means_blobs_under_the_data_directory() {
        let config = StorageConfig::from_url_and_vars(None, Path::new("./data"), vars(&[]))
            .expect("accepted");
        assert!(
            matches!(config, StorageConfig::Local { root } if root == Path::new("./data/blobs"))
        );
        let config = StorageConfig::from_url_and_vars(Some(" "), Path::new("/d"), vars(&[]))
            .expect("accepted");
        assert!(matches!(config, StorageConfig::Local { root } if root == Path::new("/d/blobs")));
    }

    #[test]
    fn file_and_memory_urls_are_understood() {
        let config =
            StorageConfig::from_url_and_vars(Some("file:///srv/vm"), Path::new("."), vars(&[]))
                .expect("accepted");
        assert!(matches!(config, StorageConfig::Local { root } if root == Path::new("/srv/vm")));
        let config = StorageConfig::from_url_and_vars(Some("memory:"), Path::new("."), vars(&[]))
            .expect("accepted");
        assert!(matches!(config, StorageConfig::Memory));
    }

    #[test]
    fn bad_urls_are_configuration_errors() {
        for url in [
            "file://relative",
            "s3://",
            "s3://UPPER",
            "s3://ab",
            "ftp://x",
            "/tmp/x",
            "s3://b-ok/a/../b",
        ] {
            let err = StorageConfig::from_url_and_vars(Some(url), Path::new("."), vars(&[]))
                .expect_err("refused");
            assert_eq!(err.code(), "CONFIG", "{url}");
        }
    }

    #[test]
    fn s3_url_takes_bucket_and_prefix_and_the_aws_variables() {
        let config = StorageConfig::from_url_and_vars(
            Some("s3://voicemail/chorus/prod/"),
            Path::new("."),
            vars(&[
                ("AWS_ENDPOINT", "http://127.0.0.1:5000"),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "very-secret"),
                ("AWS_BUCKET", "ignored-the-url-wins"),
                ("AWS_PROFILE", "not-supported-and-ignored"),
                ("HOME", "/root"),
            ]),
        )
        .expect("accepted");
        let StorageConfig::S3(s3) = &config else {
            panic!("{config:?}")
        };
        assert_eq!(s3.bucket, "voicemail");
        assert_eq!(s3.prefix.as_deref(), Some("chorus/prod"));
        assert_eq!(s3.endpoint(), Some("http://127.0.0.1:5000"));
        let builder = s3.builder();
        assert_eq!(
            builder
                .get_config_value(&AmazonS3ConfigKey::Bucket)
                .as_deref(),
            Some("voicemail")
        );
        assert_eq!(
            builder
                .get_config_value(&AmazonS3ConfigKey::Region)
                .as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            builder
                .get_config_value(&AmazonS3ConfigKey::Client(
                    object_store::ClientConfigKey::AllowHttp
                ))
                .as_deref(),
            Some("true"),
            "http to a loopback endpoint is allowed without AWS_ALLOW_HTTP"
        );
        assert_eq!(
            config.to_string(),
            "s3://voicemail/chorus/prod at http://127.0.0.1:5000"
        );
    }

    #[test]
    fn secrets_never_appear_in_debug_or_display() {
        let config = StorageConfig::from_url_and_vars(
            Some("s3://voicemail"),
            Path::new("."),
            vars(&[
                ("AWS_SECRET_ACCESS_KEY", "very-secret"),
                ("AWS_SESSION_TOKEN", "tok-secret"),
            ]),
        )
        .expect("accepted");
        let shown = format!("{config:?} {config}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("tok-secret"),
            "{shown}"
        );
        assert!(
            shown.contains("aws_secret_access_key=<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn http_is_only_implied_for_loopback_endpoints() {
        assert!(is_loopback_http("http://127.0.0.1:5000"));
        assert!(is_loopback_http("http://localhost:9000/"));
        assert!(is_loopback_http("http://[::1]:9000"));
        assert!(!is_loopback_http("https://127.0.0.1:5000"));
        assert!(!is_loopback_http("http://s3.example.org"));
        assert!(!is_loopback_http("http://127.0.0.1.evil.org"));
        assert!(!is_loopback_http("http://10.0.0.5:9000"));
    }
}
