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
