//! Notifications: a form POST of result_code, result_message, data (a JSON string) and sign, signed like
//! requests (.NET `NotifyController` + `FubeiSignatureUtil.Verify`; php-sdk `NotifyApi.php`), verified
//! over the fields as received.

use super::answer::REFUND_STATES;
use super::wire::{data_object, fen, order_data, sign_with, text, to_order, OrderData};
use super::{Fubei, Identity};
use crate::crypto;
use crate::error::{Error, Result};
use crate::http::{parse_form, Ack, FormError};
use crate::model::{Notification, Refund};
use crate::providers::refund_state;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The most fields a notification form may have. Fubei sends four (result_code, result_message, data,
/// sign); other callback kinds a dozen or so. The signature covers every field, so all of them are
/// decoded before it can be checked: this bounds that work (bodies are already at most 1 MiB).
pub(super) const MAX_FORM_FIELDS: usize = 32;

fn missing_sign() -> Error {
    Error::notification(
        "MISSING_SIGNATURE",
        "the notification has no sign field: pass the raw form body exactly as received",
    )
}

fn malformed(e: Error) -> Error {
    Error::notification("MALFORMED", e.message)
}

impl Fubei {
    /// Verifies a notification's form fields: every field but `sign`, signed like a request.
    fn verify_form(&self, body: &[u8]) -> Result<BTreeMap<String, String>> {
        let secret = self.secret().map_err(|_| {
            Error::config(
                "credentials",
                "are required to verify notifications (the app or vendor secret signs them)",
            )
        })?;
        // Without a sign field no value is decoded at all.
        let pairs = parse_form(body, MAX_FORM_FIELDS, Some("sign")).map_err(|e| match e {
            FormError::Encoding => Error::notification(
                "MALFORMED",
                "the body is not valid form encoding (application/x-www-form-urlencoded)",
            ),
            FormError::TooManyFields => Error::notification(
                "MALFORMED",
                format!("the form has more than {MAX_FORM_FIELDS} fields; a Fubei notification has four"),
            ),
            FormError::Missing => missing_sign(),
        })?;
        let mut fields = BTreeMap::new();
        for (k, v) in pairs {
            if fields.insert(k.clone(), v).is_some() {
                return Err(Error::notification(
                    "MALFORMED",
                    format!("the form repeats the field {k:?}"),
                ));
            }
        }
        let received = fields
            .get("sign")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(missing_sign)?;
        // The request rule (`wire::sign`) drops empty fields; the .NET SDK's verifier keeps them
        // (`wire::sign_with`). Accept either when a field is empty.
        let mut candidates = vec![sign_with(&fields, secret, false)];
        if fields.iter().any(|(k, v)| k != "sign" && v.is_empty()) {
            candidates.push(sign_with(&fields, secret, true));
        }
        // Evaluate every candidate (no early exit), each compare constant-time and case-insensitive.
        let valid = candidates
            .iter()
            .fold(false, |ok, c| crypto::ct_eq_hex_ignore_case(c, &received) | ok);
        if !valid {
            return Err(Error::notification(
                "BAD_SIGNATURE",
                "the sign does not match the fields: pass the raw form body exactly as received (not re-encoded) and check the secret",
            ));
        }
        Ok(fields)
    }

    /// A verified notification, as the order it reports.
    pub(super) fn notification(&self, body: &[u8]) -> Result<Notification> {
        let fields = self.verify_form(body)?;
        let data = data_object(Value::String(fields.get("data").cloned().unwrap_or_default())).map_err(malformed)?;
        if data.as_object().map_or(true, |m| m.is_empty()) {
            return Err(Error::notification(
                "MALFORMED",
                "the signed notification carries no data",
            ));
        }
        let d = order_data(&data).map_err(malformed)?;
        let mut order = to_order(&d).map_err(malformed)?;
        // A vendor secret signs the notifications of every merchant of the vendor: a genuine notice for
        // another merchant carrying our order number is valid but not ours, and one that names no
        // merchant cannot be told apart from it.
        if let Some(Identity::Vendor { .. }) = &self.identity {
            let named = text(&d.merchant_id).is_some() || text(&d.uid).is_some();
            if !named || self.same_merchant(&d).is_err() {
                return Err(Error::notification(
                    "WRONG_MERCHANT",
                    "the notification's merchant_id (or uid) is missing or is not this client's credentials.merchantId: a vendor secret signs every merchant's notifications, so only merchant_id says whose it is",
                ));
            }
        }
        let refund = refund_of(&d).map_err(malformed)?;
        if refund.is_some() {
            // A refund notice is about the refund: an order state in it must not read as a payment's news.
            order.state = crate::model::OrderState::Unknown;
            order.is_final = false;
        }
        let mut raw: Map<String, Value> = fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        raw.insert("data".into(), data);
        Ok(Notification {
            verified: true,
            refund,
            order,
            ack: Ack::text(&self.ack),
            raw: Value::Object(raw).into(),
        })
    }
}

/// A refund notice's refund: one naming a refund number or status (2.0 "退款回调" data: order_sn,
/// merchant_order_sn, refund_sn, merchant_refund_sn, refund_amount, refund_status "REFUND_SUCCESS--退款成功"
/// — zhangming1994/fubei Go SDK `callback.RefundCallBackData`; 1.0 names its amount `refund_money`, Java
/// SDK `PaymentQueryRefundOrderModel`). The state reads through `REFUND_STATES`; anything unlisted is
/// UNKNOWN. The notice's order keeps only what the notice says of it (its numbers; no state).
fn refund_of(d: &OrderData) -> Result<Option<Refund>> {
    let (refund_no, provider_refund_no, status) = (
        text(&d.merchant_refund_sn),
        text(&d.refund_sn),
        text(&d.refund_status),
    );
    if refund_no.is_none() && provider_refund_no.is_none() && status.is_none() {
        return Ok(None);
    }
    let amount = match fen("refund_amount", &d.refund_amount)? {
        Some(a) => Some(a),
        None => fen("refund_money", &d.refund_money)?,
    };
    Ok(Some(Refund {
        refund_no,
        provider_refund_no,
        amount,
        state: refund_state(REFUND_STATES, status.as_deref()),
        provider_state: status,
    }))
}
