//! The blob store against memory, the local filesystem and (when `TEST_S3_ENDPOINT` names
//! one) an S3-compatible server.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::memory::InMemory;
use storage::{
    BlobKey, BlobPrefix, BlobStream, Container, RangeDecision, Sha256, StorageConfig,
    VoicemailStore, parse_range,
};
use uuid::Uuid;

use crate::fixtures::{Law, noise, wav_g711};

async fn collect(stream: BlobStream) -> Bytes {
    let chunks: Vec<Bytes> = stream.body.try_collect().await.expect("body");
    Bytes::from(chunks.concat())
}

/// put / head / get / range / overwrite rules / list / delete, the same on every backend.
async fn blob_life_cycle(store: &VoicemailStore) {
    let mailbox = Uuid::now_v7();
    let key = BlobKey::voicemail(mailbox, Uuid::now_v7(), Container::Wav);
    let bytes = wav_g711(Law::Mu, 8000, 2000);
    let len = bytes.len() as u64;

    let stored = store.put(&key, bytes.clone()).await.expect("put");
    assert_eq!((stored.size, stored.sha256), (len, Sha256::of(&bytes)));
    assert_eq!(store.head(&key).await.expect("head").size, len);

    let whole = store.get(&key).await.expect("get");
    assert_eq!((whole.size, whole.range.clone()), (len, 0..len));
    assert_eq!(collect(whole).await, bytes);

    let part = store.get_range(&key, 100..200).await.expect("range");
    assert_eq!((part.size, part.range.clone()), (len, 100..200));
    assert_eq!(collect(part).await, bytes.slice(100..200));

    // What an audio route does with a header.
    let decision = parse_range(Some("bytes=-500"), len);
    assert_eq!(
        decision,
        RangeDecision::Partial {
            start: len - 500,
            end: len - 1
        }
    );
    let tail = store
        .get_range(&key, decision.byte_range().expect("range"))
        .await
        .expect("range");
    assert_eq!(collect(tail).await, bytes.slice(bytes.len() - 500..));

    let clamped = store
        .get_range(&key, len - 10..len + 1000)
        .await
        .expect("range");
    assert_eq!(clamped.range, len - 10..len);
    assert_eq!(collect(clamped).await, bytes.slice(bytes.len() - 10..));
    for bad in [len..len + 1, 5..5] {
        assert_eq!(
            store
                .get_range(&key, bad.clone())
                .await
                .expect_err("refused")
                .code(),
            "INVALID_RANGE",
            "{bad:?}"
        );
    }

    assert_eq!(store.get_bytes(&key, len).await.expect("get_bytes"), bytes);
    assert_eq!(
        store
            .get_bytes(&key, len - 1)
            .await
            .expect_err("refused")
            .code(),
        "TOO_LARGE"
    );

    // Originals are write-once; the first one survives a second put.
    let again = store
        .put(&key, Bytes::from_static(b"other"))
        .await
        .expect_err("refused");
    assert_eq!(again.code(), "ALREADY_EXISTS");
    assert_eq!(store.get_bytes(&key, len).await.expect("get_bytes"), bytes);

    // Renditions may be rewritten.
    let rendition = BlobKey::rendition(Uuid::now_v7());
    store
        .put(&rendition, Bytes::from_static(b"first"))
        .await
        .expect("put");
    store
        .put(&rendition, Bytes::from_static(b"second"))
        .await
        .expect("overwrite");
    assert_eq!(
        store.get_bytes(&rendition, 100).await.expect("get"),
        Bytes::from_static(b"second")
    );

    let listed: Vec<_> = store
        .list(Some(BlobPrefix::Mailbox(mailbox)))
        .try_collect()
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].key.clone(), listed[0].meta.size), (Ok(key), len));
    let renditions: Vec<_> = store
        .list(Some(BlobPrefix::Renditions))
        .try_collect()
        .await
        .expect("list");
    assert!(renditions.iter().any(|blob| blob.key == Ok(rendition)));

    store.delete(&key).await.expect("delete");
    assert_eq!(
        store.head(&key).await.expect_err("refused").code(),
        "NOT_FOUND"
    );
    assert_eq!(
        store.get(&key).await.expect_err("refused").code(),
        "NOT_FOUND"
    );
    store.delete(&key).await.expect("deleting again is fine");
    store
        .delete(&BlobKey::rendition(Uuid::now_v7()))
        .await
        .expect("deleting a never-stored blob is fine");
    store.delete(&rendition).await.expect("delete");
    let left: Vec<_> = store
        .list(Some(BlobPrefix::Mailbox(mailbox)))
        .try_collect()
        .await
        .expect("list");
    assert!(left.is_empty());
}

#[tokio::test]
async fn blobs_live_and_die_in_memory() {
    blob_life_cycle(&VoicemailStore::in_memory()).await;
}

#[tokio::test]
async fn blobs_live_and_die_on_the_local_filesystem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("data/blobs");
    let store = VoicemailStore::local(&root).expect("root is created if missing");
    blob_life_cycle(&store).await;
    assert!(root.is_dir());
}

#[tokio::test]
async fn local_blobs_are_files_named_by_their_key_and_streamed_in_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = VoicemailStore::local(dir.path()).expect("store");
    let key = BlobKey::voicemail(Uuid::now_v7(), Uuid::now_v7(), Container::Mp3);
    let bytes = Bytes::from(noise(7, 3 << 20));
    store.put(&key, bytes.clone()).await.expect("put");

    let file = dir.path().join(key.to_string());
    assert_eq!(std::fs::read(&file).expect("file").len(), bytes.len());
    let chunks: Vec<Bytes> = store
        .get(&key)
        .await
        .expect("get")
        .body
        .try_collect()
        .await
        .expect("body");
    assert!(chunks.len() > 1, "a 3 MiB blob came back in one piece");
    assert_eq!(chunks.concat(), bytes);
}

#[tokio::test]
async fn listing_reports_objects_that_are_not_blob_keys() {
    let memory = Arc::new(InMemory::new());
    let store = VoicemailStore::new(memory.clone());
    memory
        .put(
            &"voicemail/readme.txt".into(),
            Bytes::from_static(b"hi").into(),
        )
        .await
        .expect("put");
    let key = BlobKey::voicemail(Uuid::now_v7(), Uuid::now_v7(), Container::Wav);
    store
        .put(&key, Bytes::from_static(b"RIFF"))
        .await
        .expect("put");

    let mut listed: Vec<_> = store.list(None).try_collect().await.expect("list");
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].key, Ok(key));
    assert_eq!(listed[1].path, "voicemail/readme.txt");
    assert!(listed[1].key.is_err());
}

#[tokio::test]
async fn the_configured_store_opens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StorageConfig::from_url_and_vars(None, dir.path(), Vec::new()).expect("config");
    blob_life_cycle(&VoicemailStore::open(&config).expect("open")).await;
    assert!(dir.path().join("blobs").is_dir());
    let memory = StorageConfig::from_url_and_vars(Some("memory:"), Path::new("."), Vec::new())
        .expect("config");
    blob_life_cycle(&VoicemailStore::open(&memory).expect("open")).await;
}

/// Runs only with `TEST_S3_ENDPOINT` (e.g. `http://127.0.0.1:5000`, a moto server) and a
/// bucket `TEST_S3_BUCKET` (default `voicemail`) that exists. Keys go under a fresh prefix.
#[tokio::test]
async fn blobs_live_and_die_in_s3() {
    let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") else {
        eprintln!("TEST_S3_ENDPOINT not set: S3 round trip skipped");
        return;
    };
    let bucket = std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "voicemail".to_owned());
    let var = |name: &str, default: &str| {
        (
            name.to_owned(),
            std::env::var(name).unwrap_or_else(|_| default.to_owned()),
        )
    };
    let vars = vec![
        ("AWS_ENDPOINT".to_owned(), endpoint),
        var("AWS_ACCESS_KEY_ID", "test"),
        var("AWS_SECRET_ACCESS_KEY", "test"),
        var("AWS_REGION", "us-east-1"),
    ];
    let url = format!("s3://{bucket}/storage-test-{}", Uuid::now_v7());
    let config =
        StorageConfig::from_url_and_vars(Some(&url), Path::new("."), vars).expect("config");
    let store = VoicemailStore::open(&config).expect("open");
    blob_life_cycle(&store).await;
    let left: Vec<_> = store.list(None).try_collect().await.expect("list");
    assert!(left.is_empty(), "{left:?}");
}
