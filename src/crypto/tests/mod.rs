use super::*;

#[test]
fn md5_known_answer() {
    assert_eq!(md5_hex(&[b""]), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(md5_hex(&[b"ab", b"c"]), md5_hex(&[b"abc"]));
}

#[test]
fn constant_time_compare() {
    assert!(ct_eq(b"abc", b"abc"));
    assert!(!ct_eq(b"abc", b"abd"));
    assert!(!ct_eq(b"abc", b"ab"));
    assert!(ct_eq_hex_ignore_case("ABCDEF", "abcdef"));
}

/// A PEM label is the caller's text (a misplaced secret can sit there): messages describe the block
/// from a fixed list and never repeat the label.
#[test]
fn key_errors_do_not_repeat_the_pem_label() {
    let block = |label: &str| format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n");
    let secretish = "HUNTER2 SECRET 42";
    for text in [
        block(secretish),
        format!("-----BEGIN {secretish}-----\nAAAA\n-----END OTHER-----\n"),
    ] {
        for e in [
            super::load_private_key("credentials.privateKey", &text).unwrap_err(),
            super::load_public_key("credentials.notifyPublicKey", &text).unwrap_err(),
            super::load_certificate("credentials.platformCert", &text).unwrap_err(),
        ] {
            assert!(!e.to_json().contains("HUNTER2"), "{}", e.to_json());
            assert!(e.message.len() > 20, "{}", e.message);
        }
    }
    // Known kinds are still named.
    let e = super::load_private_key("k", &block("EC PRIVATE KEY")).unwrap_err();
    assert!(e.message.contains("EC private key"), "{}", e.message);
    let e = super::load_private_key("k", &block("PRIVATE KEY").replace("END PRIVATE", "END RSA PRIVATE")).unwrap_err();
    assert!(e.message.contains("END line"), "{}", e.message);
}
