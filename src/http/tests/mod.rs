#[test]
fn url_encode_matches_encode_uri_component() {
    assert_eq!(super::url_encode("a b&c=d/收"), "a%20b%26c%3Dd%2F%E6%94%B6");
    assert_eq!(super::url_encode("AZaz09-_.!~*'()"), "AZaz09-_.!~*'()");
}
