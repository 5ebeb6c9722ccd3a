//! What provider tests share: key material (generated for these tests only, never used elsewhere) and
//! config edits.

use serde_json::Value;

/// `config` with its credentials changed: each key of `changes` set, or removed where it is null.
pub(crate) fn with_credentials(mut config: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().into_iter().flatten() {
        let Some(creds) = config["credentials"].as_object_mut() else {
            break;
        };
        if v.is_null() {
            creds.remove(k);
        } else {
            creds.insert(k.clone(), v.clone());
        }
    }
    config
}

/// Merchant private key, PKCS#8 PEM (generated with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`).
pub(crate) const MERCHANT_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDE9meri5a5CnhO
5u3InfilezbM/AGZfDez+aniL3zXTlr9n+Yc/Yjn92YcFrVq/soowmpXMo6qBNFD
FxAfPnfn9vC4lVgbyreb9vVeusWxHxszjcDJmlZyW1aFLGYsropxffryrRfU0b3a
AP6pBxEc9nVvW5aTp8AL059K0wcpY5dYr1h8vZWqnxaQiEC0j/I1l1T881TuT/n5
iGYAMRrKpkUhgOrfas731D9+w/0nKZR7ljrrfEErA7kywKcNNwtvt6RJvX2knZDF
OT/tZ/8bAbSERU+ajTKgh8P20EK4HQnGlF+hcSSv3OBx/kv9H8Ufcjp1offvm2kL
Tlgd4AJPAgMBAAECggEACDtQG+BKnVMtsgZ+u5q2kJv0r1585qBFZ7Uwf26CpjD1
JpJvOJj0BtXVI6ljTaR2aHuvnBNV2Q84e7hUCSpAMqakauJ6+zZetBr/KEVgC8YE
CgSLoSFdKYxdslUntAhbauDcAxZu34sghyLxgbj04yP9xniqc2NYaGYgyyzEqNsY
1vcI6tUL2jTySZAUHyB+Lm/ym0qRJor7gqcjB/sVRZDK6UH4HShiRoteZW1EbnPV
tPPjGlRsKUya0vQ76j4LhniByERK58nibqzzkqqlzxtyA+sCE0Dd7Y/b6flIACCT
h+7OdWCCu2MpY+vBX038NbGKfU2q2AW8acDdIHFIyQKBgQD2qyTeBf1gC4f1Rthz
wtp4i2I7KFbj3H4hj9ExKPtxlTJHVQ7DTCjVY8km9QZf2hTkLvPjGRAUbe0ORo65
Bx+BCYWgeIvFldF13ydTPnhrXWFeFvBhh9g7fNjQDjvryHbQwJUSA5ikK9teHszV
sxygd1tUYZ4bSaP+oQo7Zx66uwKBgQDMaeJYpF1yWZJFOWO/7vDj2O2Atn/M13w6
BjVp0v42d4bTpCx9FWhZMw9mmalAnDh4hU/O+CIa0cQgcvc/A2KdUwg2ZxrN09c0
7EvZdx3kJLG16gL2RgZDRelS4mR88Cf72ZHpr4NwWxQJL9mT6W4E0K0sSObH1aw6
s8wFaZuvfQKBgDzHJqpeJ3RG4xUYg7TiShpxnZ6d7ervJVT3rr/CLVJrRJw25RBR
763EjIfAz/VGMueWehl2z3N5MnPWBsyoaKbOxdIoYagppha5CWOFfP5XX+pjFI+z
fSALPxDksPcDyeLd0N1DbZTmCYNDa40sON2BC0vbUa2/k1zmKTNB0VyJAoGBAMVP
v6iIn5rtUv928g4meme00SxY/OuhZMwtigloHPI+VeqcokTrERpo6wjCcllncisD
o5HIekMhEAuybW5puhraNycsRvc+8JCpNl3nWPcLZG6QP+OwnAL7zMiwtwbSWgYE
cY/8VwdxItnrUj4wKH6FX2NLy1hBrEnNm7XtxtWRAoGBAKGqzv2lVlAvnDIf9B4x
ZpeyIGgXuBseWIySGCBVmFPCOgc1INJbguMFjDQCdLb3Oq4GlvX/rphdyXbxgkKc
sgICSECDFz+Fu3cC8xqgOCrsMayyHt73gV3LkykQ6/Wu32LnHaoapM7wNzD3Sr7N
aCn5jjCQo/edq0jgKIeMNbgo
-----END PRIVATE KEY-----
";

/// Self-signed certificate of the merchant key, serial 0xDFBA8194C41B84CF (high bit set).
pub(crate) const MERCHANT_CERT: &str = "\
-----BEGIN CERTIFICATE-----
MIIDFDCCAfygAwIBAgIJAN+6gZTEG4TPMA0GCSqGSIb3DQEBCwUAMB8xHTAbBgNV
BAMMFGFnZ3BheS10ZXN0LW1lcmNoYW50MB4XDTI2MTEyMjAxNTY1MVoXDTM2MTEx
OTAxNTY1MVowHzEdMBsGA1UEAwwUYWdncGF5LXRlc3QtbWVyY2hhbnQwggEiMA0G
CSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDE9meri5a5CnhO5u3InfilezbM/AGZ
fDez+aniL3zXTlr9n+Yc/Yjn92YcFrVq/soowmpXMo6qBNFDFxAfPnfn9vC4lVgb
yreb9vVeusWxHxszjcDJmlZyW1aFLGYsropxffryrRfU0b3aAP6pBxEc9nVvW5aT
p8AL059K0wcpY5dYr1h8vZWqnxaQiEC0j/I1l1T881TuT/n5iGYAMRrKpkUhgOrf
as731D9+w/0nKZR7ljrrfEErA7kywKcNNwtvt6RJvX2knZDFOT/tZ/8bAbSERU+a
jTKgh8P20EK4HQnGlF+hcSSv3OBx/kv9H8Ufcjp1offvm2kLTlgd4AJPAgMBAAGj
UzBRMB0GA1UdDgQWBBRFdVbny8Z6qUOYlNkJelHlobOptjAfBgNVHSMEGDAWgBRF
dVbny8Z6qUOYlNkJelHlobOptjAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEB
CwUAA4IBAQAyPE2Y8alViZ11dVHpd+2Gkz6nGvytkR/Xf5CDl3mU1bVDXMHFTJlX
yHJTiRtqQ2N7s0YebdDVvABaFsXhNqkhP+F5HZzyRRzFjCzZrCJL/K8Zj9QycYA/
ws07a8obey4oZbRc/bx7hp/RzPQhImA5fr6yQYfv4K7Bd9bJnhdf+WOztQdcUt26
XeSveA4jxTdC9dwEyyMoII0gsjxdJjWJYEZNgCdQc3zArhqee1srgftxOWAPTrtV
fMzOflxZB+d8GNR9r6b48aqbjAMmfUJdgrm0Y07/wdHbqnF3uqbKqK5hH9Lcvy5E
qZWMpidmXO00a99QVX6+rWIY8lByUR3Y
-----END CERTIFICATE-----
";
