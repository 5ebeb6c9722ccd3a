use super::*;

#[test]
fn known_instants() {
    // 2021-09-07T09:33:30Z is 17:33:30 in Beijing.
    assert_eq!(beijing_compact(1_631_007_210_000), "20210907173330");
    assert_eq!(parse_beijing_compact("20210907173330"), Some(1_631_007_210_000));
    assert_eq!(beijing_compact(0), "19700101080000");
    assert_eq!(beijing_compact(951_782_400_000 - 8 * 3_600_000), "20000229000000");
}

#[test]
fn round_trip_and_rejects() {
    let mut t = 0i64;
    while t < 4_102_444_800_000 {
        assert_eq!(parse_beijing_compact(&beijing_compact(t)), Some(t));
        t += 86_399_000 * 7 + 1000;
    }
    for bad in [
        "2021090717333",
        "20211307173330",
        "20230230120000",
        "20210907246000",
        "2021-09-07 1733",
    ] {
        assert_eq!(parse_beijing_compact(bad), None, "{bad}");
    }
}
