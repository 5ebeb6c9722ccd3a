//! Fidelity to Lakala's own documents: the unified refund API and its query (selectable by `refundApi`), the
//! in-progress and refusal codes public sources document, doc 1009's camelCase notice, and the discount
//! amounts of seed 003. Sources are named at each test; the values are copied from them.

use super::*;

/// A gateway whose config has `refundApi` set (None: the default).
fn gateway_with(refund_api: Option<&str>) -> Lakala {
    let mut c = config();
    if let Some(api) = refund_api {
        c["refundApi"] = json!(api);
    }
    Lakala::new(c).expect("valid config")
}

fn built(gw: &Lakala, op: Operation) -> (String, Value) {
    let p = gw.build(op, &input(valid_input(op)), &ctx()).expect("builds");
    let body: Value = serde_json::from_str(&p.request.body).expect("JSON body");
    (p.request.url, body["req_data"].clone())
}

fn parse_with(gw: &mut Lakala, op: Operation, body: &Value) -> OperationResult {
    let inp = input(valid_input(op));
    crate::providers::parse_checked(gw, op, &signed(body), Some(&inp), &ctx())
}

fn unified(op: Operation, body: &Value) -> OperationResult {
    parse_with(&mut gateway_with(None), op, body)
}

/// The unified refund's resp_data (RfdRefundData, sleep-go/lakala-pay model/order_refund.go; doc 1826).
fn rfd_refund(state: &str) -> Value {
    json!({"trade_state": state, "refund_type": "00", "merchant_no": "82229007392000A", "out_trade_no": REFUND_NO,
           "trade_no": "2021090766210003630099", "log_no": "66210003630099", "acc_trade_no": "",
           "account_type": "WECHAT", "total_amount": "123", "refund_amount": "100", "payer_amount": "100",
           "trade_time": "20210907173330", "origin_out_trade_no": ORDER,
           "channel_ret_desc": "RFD00000#成功"})
}

/// The unified refund query's resp_data (RfdRefundQueryItem, same file; doc 1827).
fn rfd_query(state: &str) -> Value {
    json!({"out_trade_no": REFUND_NO, "trade_time": "20210907173330", "trade_state": state,
           "trade_no": "2021090766210003630099", "log_no": "66210003630099", "refund_amount": "100",
           "account_type": "WECHAT", "payer_amount": "100", "channel_ret_desc": "RFD00000#成功",
           "origin_log_no": "66210003630077", "origin_out_trade_no": ORDER, "origin_trade_no": TRADE_NO,
           "origin_total_amount": "123"})
}

// ================================================================ refund API selection

#[test]
fn the_unified_refund_api_is_the_default_and_labs_stays_selectable() {
    let (url, d) = built(&gateway_with(None), Operation::Refund);
    assert_eq!(url, "https://s2.lakala.com/api/v3/rfd/refund_front/refund");
    assert_eq!(d["out_trade_no"], REFUND_NO);
    assert_eq!(d["refund_amount"], "100");
    assert_eq!(d["origin_out_trade_no"], ORDER);
    assert_eq!(d["location_info"]["request_ip"], "10.0.0.1");
    // refund_reason is optional on the unified API: nothing invented when no description is given.
    assert!(d.get("refund_reason").is_none(), "{d}");
    let (url, d) = built(&gateway_with(Some("unified")), Operation::RefundQuery);
    assert_eq!(url, "https://s2.lakala.com/api/v3/rfd/refund_front/refund_query");
    assert_eq!(d["out_trade_no"], REFUND_NO);

    let labs = gateway_with(Some("labs"));
    let (url, d) = built(&labs, Operation::Refund);
    assert_eq!(url, "https://s2.lakala.com/api/v3/labs/relation/refund");
    assert_eq!(d["refund_reason"], "refund", "M on labs");
    assert_eq!(built(&labs, Operation::RefundQuery).0, "https://s2.lakala.com/api/v3/labs/query/tradequery");

    for bad in [json!("UNIFIED"), json!("idmrefund"), json!(""), json!(1)] {
        let mut c = config();
        c["refundApi"] = bad.clone();
        let e = Lakala::new(c).err().unwrap_or_else(|| panic!("{bad} accepted"));
        assert_eq!(e.code, ErrorCode::InvalidConfig, "{bad}");
    }
}

// ================================================================ unified refund answers

#[test]
fn unified_refund_answers_follow_their_trade_state() {
    let r = unified(Operation::Refund, &envelope("000000", Some(rfd_refund("SUCCESS"))));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None), "{:?}", r.error);
    let f = r.refund.unwrap();
    assert_eq!((f.state, f.amount, f.refund_no.as_deref()), (RefundState::Success, Some(100), Some(REFUND_NO)));
    assert_eq!(f.provider_refund_no.as_deref(), Some("2021090766210003630099"));

    // INIT / DEAL / PROCESSING / TIMEOUT all say "query to confirm" (doc 1826's table).
    for state in ["INIT", "DEAL", "PROCESSING", "TIMEOUT"] {
        let r = unified(Operation::Refund, &envelope("000000", Some(rfd_refund(state))));
        assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll), "{state}: {:?}", r.error);
        assert_eq!(r.refund.unwrap().state, RefundState::Pending, "{state}");
    }

    // FAIL: the refund failed, as the gateway says.
    let r = unified(Operation::Refund, &envelope("000000", Some(rfd_refund("FAIL"))));
    assert_eq!((r.outcome, r.next), (Outcome::Failed, Next::None));
    assert_eq!(r.refund.as_ref().unwrap().state, RefundState::Failed);
    let e = r.error.unwrap();
    assert_eq!(e.provider_code.as_deref(), Some("FAIL"));
    assert_eq!(e.provider_message.as_deref(), Some("RFD00000#成功"));

    // EXCEPTION ("异常" / "异常（失败）": the sources disagree) and anything unlisted: UNKNOWN, polled.
    for state in ["EXCEPTION", "REFUNDING", ""] {
        let r = unified(Operation::Refund, &envelope("000000", Some(rfd_refund(state))));
        assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{state}");
        assert_ne!(r.refund.map(|f| f.state), Some(RefundState::Failed), "{state}");
    }
}

#[test]
fn refund_in_progress_codes_are_in_progress_not_unknown() {
    // RFD11105 / RFD11112: the unified refund's "交易未知" codes, to be queried (RfdRefundResponse);
    // BBS11105 next to BBS11112: "LABS退款中 (Labs返回BBS11112、BBS11105)" (a Lakala DTO comment).
    for code in ["RFD11105", "RFD11112", "BBS11105", "BBS11112"] {
        for data in [None, Some(json!({"out_trade_no": REFUND_NO, "refund_amount": "100"}))] {
            let r = unified(Operation::Refund, &envelope(code, data.clone()));
            assert_eq!((r.outcome, r.next), (Outcome::InProgress, Next::Poll), "{code} {data:?}: {:?}", r.error);
            let f = r.refund.unwrap();
            assert_eq!((f.state, f.amount), (RefundState::Pending, Some(100)), "{code}");
            assert_eq!(f.refund_no.as_deref(), Some(REFUND_NO), "{code}: the refund asked about");
        }
    }
}

#[test]
fn unified_refund_query_answers() {
    let r = unified(Operation::RefundQuery, &envelope("000000", Some(rfd_query("SUCCESS"))));
    assert_eq!((r.outcome, r.next), (Outcome::Succeeded, Next::None), "{:?}", r.error);
    let f = r.refund.unwrap();
    assert_eq!((f.state, f.amount, f.refund_no.as_deref()), (RefundState::Success, Some(100), Some(REFUND_NO)));
    for (state, want, next) in [
        ("INIT", RefundState::Pending, Next::Poll),
        ("DEAL", RefundState::Pending, Next::Poll),
        ("TIMEOUT", RefundState::Pending, Next::Poll),
        ("FAIL", RefundState::Failed, Next::None),
        ("EXCEPTION", RefundState::Unknown, Next::ContactSupport),
    ] {
        let r = unified(Operation::RefundQuery, &envelope("000000", Some(rfd_query(state))));
        assert_eq!((r.refund.unwrap().state, r.next), (want, next), "{state}");
    }
    // The query's success spelled as its doc comment does ("RFD00000#成功").
    let r = unified(Operation::RefundQuery, &envelope("RFD00000", Some(rfd_query("SUCCESS"))));
    assert_eq!(r.refund.unwrap().state, RefundState::Success);
    // A query that cannot be answered now (RFD11112 网络请求超时) is not a result.
    let r = unified(Operation::RefundQuery, &envelope("RFD11112", None));
    assert_ne!(r.outcome, Outcome::Failed);
    // Another refund, or no refund named: not an answer.
    let mut other = rfd_query("SUCCESS");
    other["out_trade_no"] = json!("R-OTHER");
    assert_eq!(unified(Operation::RefundQuery, &envelope("000000", Some(other))).outcome, Outcome::Unknown);
}

#[test]
fn unified_refund_answers_about_another_refund_or_order_are_unknown() {
    for (field, value) in [
        ("out_trade_no", json!("R-OTHER")),
        ("refund_amount", json!("99")),
        ("origin_out_trade_no", json!("ANOTHER-ORDER")),
        ("merchant_no", json!("822290070166666")),
    ] {
        let mut d = rfd_refund("SUCCESS");
        d[field] = value;
        let r = unified(Operation::Refund, &envelope("000000", Some(d)));
        assert_eq!(r.outcome, Outcome::Unknown, "{field}");
        assert_ne!(r.refund.map(|f| f.state), Some(RefundState::Success), "{field}");
    }
}

// ================================================================ codes

#[test]
fn unified_refund_codes_mean_nothing_on_other_operations() {
    for code in ["000000", "RFD00000", "RFD11112"] {
        for op in [Operation::Pay, Operation::Query, Operation::Close] {
            let r = unified(op, &envelope(code, Some(trade("SUCCESS"))));
            assert_eq!(r.outcome, Outcome::Unknown, "{code} {op:?}");
            assert_eq!(r.error.unwrap().provider_code.as_deref(), Some(code));
        }
    }
}

#[test]
fn documented_refusal_codes_are_failed_with_their_error_code() {
    // cn.cc.lkl.dto.ReturnCode (a public Lakala client): BBS11000 参数校验失败, BBS11200 验签失败.
    for (code, want) in [("BBS11000", ErrorCode::InvalidRequest), ("BBS11200", ErrorCode::AuthFailed)] {
        for op in [Operation::Pay, Operation::Refund, Operation::Query] {
            let body = json!({"code": code, "msg": "参数校验失败", "resp_time": "20210907173331"});
            let r = parse_with(&mut gateway_with(None), op, &body);
            assert_eq!((r.outcome, r.next), (Outcome::Failed, Next::None), "{code} {op:?}");
            let e = r.error.unwrap();
            assert_eq!((e.code, e.provider_code.as_deref()), (want, Some(code)), "{code} {op:?}");
        }
    }
    // The same list's uncertain codes (system error, upstream network failure or timeout) stay UNKNOWN.
    for code in ["BBS00001", "BBS00100", "BBS00101", "BBS11106", "RFD99999"] {
        let body = json!({"code": code, "msg": "x", "resp_time": "20210907173331"});
        let r = parse_with(&mut gateway_with(None), Operation::Pay, &body);
        assert_eq!((r.outcome, r.next), (Outcome::Unknown, Next::Poll), "{code}");
    }
}

// ================================================================ amounts

#[test]
fn discounts_are_read_as_lakala_states_them() {
    // Seed 003's second query answer (a merged order): total 5, paid 5, settled 5, merchant discount 0.
    let seed = json!({"out_trade_no": "1639365213", "trade_no": "2021121366210004980005", "log_no": "66210004980005",
        "acc_trade_no": "4200001131202112131171130221", "account_type": "", "trade_state": "SUCCESS",
        "trade_state_desc": "交易成功", "total_amount": "5", "payer_amount": "5", "acc_settle_amount": "5",
        "acc_mdiscount_amount": "0", "acc_discount_amount": "", "trade_time": "20211213111340"});
    let inp = input(json!({"providerOrderNo": "2021121366210004980005"}));
    let r = crate::providers::parse_checked(
        &mut gateway(),
        Operation::Query,
        &signed(&envelope("BBS00000", Some(seed.clone()))),
        Some(&inp),
        &ctx(),
    );
    let a = r.order.unwrap_or_else(|| panic!("{:?}", r.error)).amounts;
    assert_eq!((a.total, a.paid, a.net, a.discount), (Some(5), Some(5), Some(5), Some(0)));

    // Seed 003's fields with discounts: 1000 ordered, 10 by the merchant (acc_mdiscount_amount), 5 by Lakala
    // (acc_discount_amount), 3 by the wallet (acc_other_discount_amount); the buyer paid 982 (payer_amount);
    // the wallet settles 990 (acc_settle_amount: the order less the discounts not funded by the merchant).
    let mut d = seed;
    for (k, v) in [
        ("total_amount", "1000"),
        ("payer_amount", "982"),
        ("acc_settle_amount", "990"),
        ("acc_mdiscount_amount", "10"),
        ("acc_discount_amount", "5"),
        ("acc_other_discount_amount", "3"),
    ] {
        d[k] = json!(v);
    }
    let r = crate::providers::parse_checked(
        &mut gateway(),
        Operation::Query,
        &signed(&envelope("BBS00000", Some(d.clone()))),
        Some(&inp),
        &ctx(),
    );
    let a = r.order.unwrap().amounts;
    assert_eq!((a.total, a.paid, a.net, a.discount, a.refunded), (Some(1000), Some(982), Some(990), Some(18), Some(0)));

    // Not paid: nothing paid or settled, whatever the fields say.
    d["trade_state"] = json!("CREATE");
    let r = crate::providers::parse_checked(
        &mut gateway(),
        Operation::Query,
        &signed(&envelope("BBS00000", Some(d))),
        Some(&inp),
        &ctx(),
    );
    let a = r.order.unwrap().amounts;
    assert_eq!((a.paid, a.net), (Some(0), Some(0)));
}

// ================================================================ doc 1009's camelCase notice

const DOC_MERCHANT: &str = "822126090640003";
const DOC_TERM: &str = "47781282";

/// The body of the notification example in Lakala's notification-security document (doc 1009), values as
/// published (that example is genuinely signed by Lakala; here it is signed with the test platform key).
fn doc_1009_body(changes: Value) -> Vec<u8> {
    let mut b = json!({"payOrderNo":"21090611012001970631000463034","merchantOrderNo":"CH2021090613190866292",
        "orderInfo":null,"merchantNo":DOC_MERCHANT,"termId":DOC_TERM,"tradeMerchantNo":DOC_MERCHANT,
        "tradeTermId":DOC_TERM,"channelId":"10000038","currency":"156","amount":1,"tradeType":"PAY","payStatus":"S",
        "notifyStatus":0,"orderCreateTime":"2021-09-06T05:19:43.000+00:00",
        "orderEfficientTime":"2021-09-06T05:19:43.000+00:00","extendField":null,
        "payTime":"2021-09-06T05:19:43.000+00:00","remark":"","noticeNum":1,"sign":null,"notifyUrl":null,
        "notifyMode":"2","payInfo":"1#1#ALIPAY#0#2021090622001432581427657317","lklOrderNo":"2021090666210003610012",
        "crdFlg":"92","payerId1":"2088702852632582","payerId2":"rob***@126.com","smCrdFlg":"01",
        "tradeTime":"20210906131943","accountChannelOrderNo":"2021090622001432581427657317","actualPayAmount":1,
        "logNo":"66210003610012"});
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v.clone();
        }
    }
    b.to_string().into_bytes()
}

fn doc_config() -> Value {
    config_with(json!({"merchantNo": DOC_MERCHANT, "termNo": DOC_TERM}))
}

/// Through the client, as a merchant's handler calls it: the shared `readable` rule applies.
fn doc_notice(changes: Value) -> Result<Notification> {
    let body = doc_1009_body(changes);
    let client = crate::Client::new(&doc_config().to_string()).unwrap();
    client.notification(&notify_headers(platform_key(), NOW_S, "9003323344", &body), &body, NOW_MS, None)
}

#[test]
fn doc_1009_camel_case_notice_is_read() {
    let n = doc_notice(json!({})).expect("accepted");
    let o = &n.order;
    assert_eq!((o.state, o.is_final), (OrderState::Success, true));
    assert_eq!(o.merchant_order_no.as_deref(), Some("CH2021090613190866292"));
    assert_eq!(o.provider_order_no.as_deref(), Some("2021090666210003610012"), "lklOrderNo, the trade_no");
    assert_eq!(o.channel_order_no.as_deref(), Some("2021090622001432581427657317"));
    assert_eq!(o.channel, Some(Channel::Alipay));
    assert_eq!((o.amounts.total, o.amounts.paid, o.amounts.refunded), (Some(1), Some(1), Some(0)));
    // tradeTime 20210906131943 Beijing = payTime 2021-09-06T05:19:43Z.
    assert_eq!(o.paid_at, Some(1_630_905_583_000));
    assert_eq!(o.provider_state.as_deref(), Some("S"));
    assert!(n.verified);
    assert_eq!(n.ack.body, ACK);
    assert_eq!(n.raw.value()["payOrderNo"], "21090611012001970631000463034", "raw keeps the body");
}

#[test]
fn camel_case_notices_that_cannot_be_read_are_refused() {
    // A payStatus no official source shows, or another tradeType: never a known state; refused so Lakala resends.
    for changes in [
        json!({"payStatus": "F"}),
        json!({"payStatus": "s"}),
        json!({"payStatus": null}),
        json!({"tradeType": "REFUND"}),
        json!({"tradeType": null}),
    ] {
        let e = doc_notice(changes.clone()).err().unwrap_or_else(|| panic!("{changes}: accepted"));
        assert_eq!(e.reason, Some("UNREADABLE"), "{changes}: {e}");
    }
    // No order number it can read: refused, no bogus ids.
    let e = doc_notice(json!({"merchantOrderNo": null, "lklOrderNo": null})).err().unwrap();
    assert_eq!(e.reason, Some("UNREADABLE"));
    // Another merchant's notice (Lakala signs every merchant's with one key), or none named.
    for changes in [json!({"merchantNo": "822290070166666"}), json!({"merchantNo": null}), json!({"termId": "29036666"})] {
        let e = doc_notice(changes.clone()).err().unwrap_or_else(|| panic!("{changes}: accepted"));
        assert_eq!(e.reason, Some("WRONG_MERCHANT"), "{changes}");
        assert!(e.message.contains("merchantNo") || e.message.contains("termId"), "{e}: the notice's own names");
    }
    // Amounts that are not fen, or a wrongly typed field: MALFORMED.
    for changes in [json!({"amount": 1.5}), json!({"amount": -1}), json!({"actualPayAmount": "1.00"}), json!({"merchantOrderNo": 7})] {
        let e = doc_notice(changes.clone()).err().unwrap_or_else(|| panic!("{changes}: accepted"));
        assert_eq!(e.reason, Some("MALFORMED"), "{changes}");
    }
}

#[test]
fn a_body_in_neither_format_has_no_state_and_no_ids() {
    let gw = Lakala::new(doc_config()).unwrap();
    let body = br#"{"merchant_no":"822126090640003","status":"PAID","orderId":"X1","money":"1"}"#;
    let n = verify(&gw, &notify_headers(platform_key(), NOW_S, "n1", body), body).expect("verifies");
    assert_eq!(n.order.state, OrderState::Unknown);
    assert_eq!((n.order.merchant_order_no, n.order.provider_order_no), (None, None));
    // …and the client refuses it.
    let client = crate::Client::new(&doc_config().to_string()).unwrap();
    let e = client
        .notification(&notify_headers(platform_key(), NOW_S, "n1", body), body, NOW_MS, None)
        .err()
        .unwrap();
    assert_eq!(e.reason, Some("UNREADABLE"));
}

/// A genuine refund-trade notice (doc 1112 snake_case, trade_main_type REFUND) is read as its refund: its own
/// numbers and state, the order it refunds by origin_out_trade_no; never as news of a payment.
#[test]
fn a_refund_trade_notice_is_read_as_its_refund() {
    let body = br#"{"merchant_no":"822126090640003","out_trade_no":"R1","trade_no":"2021090766210003630099","origin_out_trade_no":"O1","trade_main_type":"REFUND","trade_state":"SUCCESS","total_amount":"100"}"#;
    let client = crate::Client::new(&doc_config().to_string()).expect("config");
    let n = client
        .notification(&notify_headers(platform_key(), NOW_S, "n1", body), body, NOW_MS, None)
        .expect("a genuine refund notice is read");
    assert_eq!(n.order.state, OrderState::Unknown, "not news of a payment");
    assert_eq!(n.order.merchant_order_no.as_deref(), Some("O1"));
    let r = n.refund.expect("the refund");
    assert_eq!((r.refund_no.as_deref(), r.state, r.amount), (Some("R1"), RefundState::Success, Some(100)));
}

/// The merchant's documented `expect` (the order's number and amount) does not refuse a genuine refund notice that
/// states no order total: the amount checked is the order's, which the notice does not claim.
#[test]
fn a_refund_notice_passes_the_orders_expect() {
    let body = br#"{"merchant_no":"822126090640003","out_trade_no":"R1","trade_no":"2021090766210003630099","origin_out_trade_no":"O1","trade_main_type":"REFUND","trade_state":"SUCCESS","total_amount":"100"}"#;
    let client = crate::Client::new(&doc_config().to_string()).expect("config");
    let expect = Some(r#"{"merchantOrderNo":"O1","amount":100}"#);
    let r = client.notification(&notify_headers(platform_key(), NOW_S, "n1", body), body, NOW_MS, expect);
    assert!(r.is_ok(), "{:?}", r.err().map(|e| (e.reason, e.message)));
    let other = Some(r#"{"merchantOrderNo":"O2","amount":100}"#);
    let e = client.notification(&notify_headers(platform_key(), NOW_S, "n2", body), body, NOW_MS, other);
    assert_eq!(e.err().and_then(|e| e.reason), Some("WRONG_ORDER"), "the order is still checked");
}
