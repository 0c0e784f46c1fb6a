//! Global IDs and page cursors, the opaque strings every client sends back: decoding any
//! string ends in a value or `BAD_USER_INPUT`, never a panic, and what decodes re-encodes to
//! something that decodes to the same value.
//!
//! The first byte picks the input: the rest as the string a client sent (`node(id:)`,
//! `after:`), or the rest base64-encoded first, so that the JSON inside a cursor and the
//! `v1:<Type>:<uuid>` inside an ID are fuzzed directly.
#![no_main]

use std::fmt::Debug;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chorus::graphql::node::{self, NodeType};
use chorus::graphql::pagination::{Page, decode_cursor, encode_cursor};
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

const TYPES: [NodeType; 14] = [
    NodeType::Unit,
    NodeType::Person,
    NodeType::Line,
    NodeType::Device,
    NodeType::CallRecord,
    NodeType::Voicemail,
    NodeType::Teleconference,
    NodeType::HuntGroup,
    NodeType::PickupGroup,
    NodeType::EaGroup,
    NodeType::ContactCentre,
    NodeType::Queue,
    NodeType::Tranche,
    NodeType::NominationRound,
];

fn ids(input: &str) {
    match node::decode_any(input) {
        Ok((ty, uuid)) => {
            let again = node::encode(ty, uuid);
            assert_eq!(node::decode_any(&again.0).ok(), Some((ty, uuid)));
            assert_eq!(node::decode(ty, input).ok(), Some(uuid));
        }
        Err(e) => assert_eq!(e.code(), "BAD_USER_INPUT", "{input:?}"),
    }
    for ty in TYPES {
        if let Err(e) = node::decode(ty, input) {
            assert_eq!(e.code(), "BAD_USER_INPUT", "{input:?} as {ty:?}");
        }
    }
}

/// A cursor of one of the sort keys the API pages by.
fn cursor<K: Serialize + DeserializeOwned + PartialEq + Debug>(input: &str) {
    match decode_cursor::<K>(input) {
        Ok(key) => {
            let again = encode_cursor(&key);
            let back: K = decode_cursor(&again).expect("a cursor made from a key decodes");
            assert_eq!(back, key);
        }
        Err(e) => assert_eq!(e.code(), "BAD_USER_INPUT", "{input:?}"),
    }
    for (first, last) in [(Some(20), None), (None, Some(5))] {
        let page = Page::<K>::new(first, Some(input.to_owned()), last, Some(input.to_owned()));
        if let Err(e) = page {
            assert_eq!(e.code(), "BAD_USER_INPUT", "{input:?}");
        }
    }
}

fn all(input: &str) {
    ids(input);
    // The keys of directory, units, tranches (name, id); of sets and rounds (id); of calls,
    // conferences and voicemail (time, id); of search results (rank, name, id).
    cursor::<(String, uuid::Uuid)>(input);
    cursor::<uuid::Uuid>(input);
    cursor::<chorus::services::calls::CallKey>(input);
    cursor::<chorus::services::conferences::ConferenceKey>(input);
    cursor::<chorus::services::voicemail::VoicemailKey>(input);
    cursor::<chorus::services::directory::SearchKey>(input);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            all(text);
        }
    } else {
        all(&URL_SAFE_NO_PAD.encode(rest));
    }
});
