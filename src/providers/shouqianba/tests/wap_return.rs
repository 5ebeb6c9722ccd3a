//! The WAP cashier's return URL (WoSai/shouqianba-doc zh-cn/api/wap2.md, "页面同步跳转参数说明" and
//! "签名规则"). The doc shows no signed return example; this one was computed from its rule by Node's
//! node:crypto (MD5 of the sorted `k=v&…&key=<terminal key>`, upper-case), independently of `wap_sign`.

use super::*;

/// `client_sn=o-20240101-0001&is_success=T&operator=op1&sn=7895259244996965&status=SUCCESS&subject=Coffee 咖啡
/// &terminal_sn=100000330001&total_amount=1000&trade_no=4200001234202401010000000001&key=terminal-key-1` → this.
const SIGN: &str = "F761E266936F0EC051C57F99990EC7DE";
const RETURN_URL: &str = "https://shop.example/done?is_success=T&terminal_sn=100000330001&sn=7895259244996965\
&trade_no=4200001234202401010000000001&client_sn=o-20240101-0001&status=SUCCESS&total_amount=1000\
&subject=Coffee+%E5%92%96%E5%95%A1&operator=op1&sign=F761E266936F0EC051C57F99990EC7DE";

fn verify(url: &str) -> Result<(Order, Value)> {
    gateway().verify_return(url)
}

fn reason(url: &str) -> Option<&'static str> {
    let e = verify(url).expect_err(url);
    assert_eq!(e.code, ErrorCode::NotificationInvalid, "{url}: {e}");
    e.reason
}

#[test]
fn a_genuine_return_url_reads_as_its_order() {
    let (o, raw) = verify(RETURN_URL).unwrap();
    assert_eq!(o.state, OrderState::Success);
    assert!(!o.is_final, "advisory: never final on the page's word");
    assert_eq!(o.merchant_order_no.as_deref(), Some(ORDER));
    assert_eq!(o.provider_order_no.as_deref(), Some(PROVIDER_SN));
    assert_eq!(o.channel_order_no.as_deref(), Some("4200001234202401010000000001"));
    assert_eq!(o.amounts.total, Some(1000));
    assert_eq!(raw["subject"], "Coffee 咖啡");
    assert_eq!(raw["sign"], SIGN);
    // The query alone, with or without its '?', and a lower-case sign.
    let query = RETURN_URL.split_once('?').unwrap().1;
    for url in [query.to_string(), format!("?{query}"), query.replace(SIGN, &SIGN.to_lowercase())] {
        assert_eq!(verify(&url).unwrap().0, o, "{url}");
    }
    // Through the JSON client: the verdict travels with the order.
    let client = crate::Client::new(
        &json!({"provider": "shouqianba", "credentials": {"terminalSn": SN, "terminalKey": KEY}}).to_string(),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&client.verify_return(RETURN_URL).unwrap()).unwrap();
    assert_eq!((v["verified"].clone(), v["order"]["state"].clone()), (json!(true), json!("SUCCESS")));
}

#[test]
fn the_library_signs_returns_as_the_rule_says() {
    let params: BTreeMap<String, String> = [
        ("is_success", "T"),
        ("terminal_sn", SN),
        ("sn", PROVIDER_SN),
        ("trade_no", "4200001234202401010000000001"),
        ("client_sn", ORDER),
        ("status", "SUCCESS"),
        ("total_amount", "1000"),
        ("subject", "Coffee 咖啡"),
        ("operator", "op1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(wap_sign(&params, KEY).1, SIGN);
}

#[test]
fn a_page_that_did_not_see_a_payment_says_nothing_about_the_money() {
    // Signed by the same rule; status FAIL (the buyer closed WeChat's pay sheet).
    let mut p: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in [("is_success", "T"), ("terminal_sn", SN), ("sn", PROVIDER_SN), ("client_sn", ORDER), ("status", "FAIL"),
                   ("result_code", "get_brand_wcpay_request:cancel"), ("total_amount", "1000")] {
        p.insert(k.into(), v.into());
    }
    let sign = wap_sign(&p, KEY).1;
    let q: Vec<String> = p.iter().map(|(k, v)| format!("{k}={}", crate::http::url_encode(v))).collect();
    let (o, _) = verify(&format!("{}&sign={sign}", q.join("&"))).unwrap();
    assert_eq!((o.state, o.is_final), (OrderState::Unknown, false), "FAIL is never FAILED");
}

#[test]
fn the_merchants_own_return_url_query_is_left_out_when_the_gateway_did_not_sign_it() {
    let url = RETURN_URL.replace("/done?", "/done?o=1&x=y&");
    let (o, raw) = verify(&url).unwrap();
    assert_eq!(o.state, OrderState::Success);
    assert_eq!(raw.get("o"), None, "raw keeps what the signature covers");
    // A documented field added or changed is still caught.
    assert_eq!(reason(&format!("{url}&reflect=x")), Some("BAD_SIGNATURE"));
    assert_eq!(reason(&url.replace("total_amount=1000", "total_amount=1")), Some("BAD_SIGNATURE"));
}

#[test]
fn forged_altered_or_foreign_returns_are_refused() {
    // Altered: the amount, the status, a field added; a sign for another key.
    let cases = [
        RETURN_URL.replace("total_amount=1000", "total_amount=1"),
        RETURN_URL.replace("status=SUCCESS", "status=SUCCESS2"),
        format!("{RETURN_URL}&reflect=x"),
        RETURN_URL.replace(SIGN, "00000000000000000000000000000000"),
        RETURN_URL.replace(SIGN, &SIGN[..31]),
    ];
    for url in &cases {
        assert_eq!(reason(url), Some("BAD_SIGNATURE"), "{url}");
    }
    assert_eq!(
        reason(&RETURN_URL.replace("&sign=F761E266936F0EC051C57F99990EC7DE", "")),
        Some("MISSING_SIGNATURE")
    );
    assert_eq!(reason("https://shop.example/done"), Some("MISSING_SIGNATURE"));
    assert_eq!(reason(&format!("{RETURN_URL}&sn=1")), Some("MALFORMED"), "a field twice");
    assert_eq!(reason(&RETURN_URL.replace("%E5%92%96", "%E5%9")), Some("MALFORMED"));
    assert_eq!(reason(&format!("{RETURN_URL}&x={}", "a".repeat(9000))), Some("TOO_LARGE"));
    // Genuinely signed with our key, but naming another terminal.
    let other = gateway_with("100000339999", KEY);
    let e = other.verify_return(RETURN_URL).unwrap_err();
    assert_eq!(e.reason, Some("WRONG_MERCHANT"));
    // Another terminal's key.
    let e = gateway_with(SN, "another-key").verify_return(RETURN_URL).unwrap_err();
    assert_eq!(e.reason, Some("BAD_SIGNATURE"));
    // No terminal: a configuration error, no verdict.
    let bare = Shouqianba::new(json!({"provider": "shouqianba"})).unwrap();
    assert_eq!(bare.verify_return(RETURN_URL).unwrap_err().code, ErrorCode::InvalidConfig);
}

#[test]
fn the_key_never_appears_in_a_refusal() {
    for url in [RETURN_URL.replace(SIGN, "X"), "sign=1".to_string()] {
        let e = verify(&url).unwrap_err();
        assert!(!format!("{e:?} {e}").contains(KEY), "{e:?}");
    }
}

#[test]
fn mangled_return_urls_never_panic() {
    // Every byte replaced by a delimiter or an invalid byte, and every prefix: a verdict or an error.
    let bytes = RETURN_URL.as_bytes();
    for i in 0..bytes.len() {
        for b in [b'%', b'&', b'=', b'?', b'#', b'+', 0xff] {
            let mut m = bytes.to_vec();
            m[i] = b;
            if let Ok(text) = String::from_utf8(m) {
                if text != RETURN_URL {
                    let _ = verify(&text);
                }
            }
        }
        let _ = verify(&String::from_utf8_lossy(&bytes[..i]));
    }
}

/// The query of the buyer's own cashier link for `description` and `returnUrl`, and the sign it carries.
fn pay_link(description: &str, return_url: &str) -> (String, String) {
    let inp = input(json!({"merchantOrderNo": ORDER, "amount": 1000, "subject": "Coffee", "operator": "op1",
        "description": description, "returnUrl": return_url}));
    let link = gateway().wap_pay_url(&inp).expect("link");
    let query = link.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
    let sign = crate::http::parse_form(query.as_bytes(), 64, Some("sign"))
        .expect("form")
        .into_iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v)
        .unwrap_or_default();
    (query, sign)
}

/// The cashier link this library signs for the buyer (`wapPayUrl`) is signed by the same MD5 rule and terminal key
/// as the return URL, and the rule joins decoded values without escaping. A buyer holding their own pay link could
/// re-split it (`description` "x&is_success=T", a return URL ending "&status=SUCCESS") into a SUCCESS return with
/// the same string to sign: refused, and so is the pay link itself read as a return.
#[test]
fn the_buyers_own_pay_link_is_never_a_return() {
    let (query, sign) = pay_link("x&is_success=T", "https://shop.example/done?o=1&status=SUCCESS");
    assert_eq!(verify(&query).err().and_then(|e| e.reason), Some("MALFORMED"), "the pay link itself");
    // Re-split: the same signed string, read as other parameters.
    let forged = format!("client_sn={ORDER}&description=x&is_success=T&operator=op1&return_url={}&status=SUCCESS&subject=Coffee&terminal_sn={SN}&total_amount=1000&sign={sign}",
        crate::http::url_encode("https://shop.example/done?o=1"));
    assert_eq!(verify(&forged).err().and_then(|e| e.reason), Some("MALFORMED"), "re-split");
}

/// Nor can one buyer-controlled field (`description`, an order note) make one, hiding the rest in a key or value.
#[test]
fn one_buyer_field_cannot_make_a_return() {
    let (_, sign) = pay_link("x&is_success=T&status=SUCCESS&stz", "https://shop.example/done");
    let e = crate::http::url_encode;
    let forged = format!("client_sn={ORDER}&description=x&is_success=T&status=SUCCESS&{}={}&subject=Coffee&terminal_sn={SN}&total_amount=1000&sign={sign}",
        e("stz&operator"), e("op1&return_url=https://shop.example/done"));
    assert_eq!(verify(&forged).err().and_then(|e| e.reason), Some("MALFORMED"));
}

/// Nor by reading the return_url piece split at its own '=' (key "return_url=https://…?o", value "1"): a key
/// holding '=' is refused.
#[test]
fn the_return_url_piece_split_at_its_own_equals_is_refused() {
    let (_, sign) = pay_link("x&is_success=T", "https://shop.example/done?o=1&status=SUCCESS");
    let forged = format!("client_sn={ORDER}&description=x&is_success=T&operator=op1&{}=1&status=SUCCESS&subject=Coffee&terminal_sn={SN}&total_amount=1000&sign={sign}",
        crate::http::url_encode("return_url=https://shop.example/done?o"));
    assert_eq!(verify(&forged).err().and_then(|e| e.reason), Some("MALFORMED"));
}
