//! The host's verdict on an RSA signature (`Verifier::Host`): the core hands out the exact signed parts
//! (`answer_signed` / `notice_signed`) and continues only with the host's answer, which counts for exactly those
//! parts and only when it says valid. The same answer with the core's own verifier is the reference.

mod common;
use common::*;

use aggpay::crypto::{base64_encode, load_private_key};
use aggpay::http::HttpResponse;
use aggpay::providers::{KeyUse, Verifier};
use aggpay::{Client, ErrorCode, Operation, Outcome};
use serde_json::json;
use std::collections::BTreeMap;

const NOW: i64 = 1_700_000_000_000;
const TS: &str = "1700000000";

fn client() -> Client {
    let config = json!({"provider": "lakala", "credentials": {
        "appId": "OP00000003", "serialNo": "00dfba8194c41b84cf", "privateKey": MERCHANT_KEY,
        "platformCertificate": PLATFORM_CERT, "merchantNo": "822290070111135", "termNo": "29034705"}});
    Client::new(&config.to_string()).expect("lakala config")
}

fn sign(message: &str) -> String {
    let key = load_private_key("k", PLATFORM_KEY).expect("platform key");
    base64_encode(&key.sign_sha256(message.as_bytes()).expect("sign"))
}

fn answer(body: &str) -> HttpResponse {
    let signature = sign(&format!("OP00000003\n00dfba8194c41b84cf\n{TS}\nn0nce\n{body}\n"));
    let mut headers = BTreeMap::new();
    for (k, v) in [
        ("lklapi-appid", "OP00000003"),
        ("lklapi-serial", "00dfba8194c41b84cf"),
        ("lklapi-timestamp", TS),
        ("lklapi-nonce", "n0nce"),
        ("lklapi-signature", signature.as_str()),
    ] {
        headers.insert(k.to_string(), v.to_string());
    }
    HttpResponse {
        status: 200,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn body(no: &str) -> String {
    json!({"code": "BBS00000", "msg": "ok", "resp_data": {"merchant_no": "822290070111135", "out_trade_no": no,
        "trade_no": "2023", "trade_state": "SUCCESS", "total_amount": "100"}})
    .to_string()
}

#[test]
fn a_host_verdict_counts_only_when_valid_and_only_for_the_parts_it_was_shown() {
    let mut c = client();
    let a1 = answer(&body("A1"));
    let a2 = answer(&body("A2"));
    let reference = c.parse_verified(Operation::Query, &a1, None, NOW, Verifier::Core);
    assert_eq!(reference.outcome, Outcome::Succeeded, "{:?}", reference.error);

    let shown = c.answer_signed(Operation::Query, &a1).expect("a signed answer");
    assert_eq!(shown.key, KeyUse::Platform);
    assert_eq!(
        shown.message,
        format!("OP00000003\n00dfba8194c41b84cf\n{TS}\nn0nce\n{}\n", body("A1")).into_bytes()
    );

    let valid = Verifier::Host {
        asked: Some(shown.clone()),
        valid: true,
    };
    let r = c.parse_verified(Operation::Query, &a1, None, NOW, valid.clone());
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::to_value(&reference).unwrap()
    );

    // The host said no; or said yes about no parts; or about another (genuine) answer's parts.
    let refusals = [
        Verifier::Host {
            asked: Some(shown.clone()),
            valid: false,
        },
        Verifier::Host {
            asked: None,
            valid: true,
        },
        Verifier::Host {
            asked: c.answer_signed(Operation::Query, &a2),
            valid: true,
        },
    ];
    for (i, v) in refusals.into_iter().enumerate() {
        let r = c.parse_verified(Operation::Query, &a1, None, NOW, v);
        assert_eq!(r.outcome, Outcome::Unknown, "case {i}");
        assert_eq!(
            r.error.as_ref().map(|e| e.code),
            Some(ErrorCode::ResponseSignatureInvalid),
            "case {i}"
        );
        assert!(r.order.is_none(), "case {i}");
    }
    // A "yes" about A1's parts does not carry over to A2's answer.
    let r = c.parse_verified(Operation::Query, &a2, None, NOW, valid);
    assert_eq!(r.outcome, Outcome::Unknown);

    // A signature of the wrong length is never shown to anyone.
    let mut short = a1.clone();
    short
        .headers
        .insert("lklapi-signature".into(), base64_encode(&[7u8; 255]));
    assert!(c.answer_signed(Operation::Query, &short).is_none());
}

#[test]
fn notifications_take_the_host_verdict_the_same_way() {
    let c = client();
    let notice = json!({"merchant_no": "822290070111135", "term_no": "29034705", "out_trade_no": "N1",
        "trade_no": "2023", "trade_status": "SUCCESS", "total_amount": "880"})
    .to_string();
    let sig = sign(&format!("{TS}\nabc123\n{notice}\n"));
    let mut headers = BTreeMap::new();
    headers.insert(
        "authorization".to_string(),
        format!(r#"LKLAPI-SHA256withRSA timestamp="{TS}",nonce_str="abc123",signature="{sig}""#),
    );
    let body = notice.as_bytes();
    assert!(c
        .notification_verified(&headers, body, NOW, None, Verifier::Core)
        .is_ok());
    let shown = c.notice_signed(&headers, body).expect("signed");
    assert_eq!(shown.key, KeyUse::Notify);
    let yes = Verifier::Host {
        asked: Some(shown.clone()),
        valid: true,
    };
    assert!(c.notification_verified(&headers, body, NOW, None, yes).is_ok());
    for v in [
        Verifier::Host {
            asked: Some(shown),
            valid: false,
        },
        Verifier::Host {
            asked: None,
            valid: true,
        },
    ] {
        let e = c.notification_verified(&headers, body, NOW, None, v).unwrap_err();
        assert_eq!(e.reason, Some("BAD_SIGNATURE"));
    }
    assert!(c.public_key_spki(KeyUse::Platform).is_some_and(|d| d.len() > 256));
    assert!(c.verify_core(
        &format!("{TS}\nabc123\n{notice}\n").into_bytes(),
        &aggpay::crypto::base64_decode(&sig).unwrap(),
        KeyUse::Notify
    ));
}

#[test]
fn the_spki_handed_to_the_platform_is_the_same_for_every_form_of_one_key() {
    use aggpay::crypto::{base64_decode, load_public_key};
    let spki = load_public_key("k", MERCHANT_PUBLIC_SPKI).unwrap();
    let pkcs1 = load_public_key("k", MERCHANT_PUBLIC_PKCS1).unwrap();
    let cert = load_public_key("k", MERCHANT_CERT).unwrap();
    let pem_der: String = MERCHANT_PUBLIC_SPKI
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_eq!(spki.spki_der(), base64_decode(&pem_der).unwrap().as_slice());
    assert_eq!(pkcs1.spki_der(), spki.spki_der(), "PKCS#1 wrapped as SPKI");
    assert_eq!(cert.spki_der(), spki.spki_der(), "the certificate's SPKI");
}
