//! `json_f32` against the standard library's correctly rounded `str::parse::<f32>`: every
//! number it reads has the same bits, over random `f32`s printed the ways clients print them,
//! random decimal strings of any length and exponent, and the hard cases (exact midpoints
//! between two `f32`s and their neighbours, subnormals, overflow). And the search decoder's
//! fast path gives the same request, or the same error, as decoding the whole body with serde.

use plan_index_api::action::{Body, Decode};
use plan_index_api::json_f32::{self, Vectors};
use plan_index_api::search::{self, SearchRequest};
use proptest::prelude::*;

fn ours(s: &str) -> Option<f32> {
    json_f32::number(s.as_bytes(), 0)
        .filter(|&(_, end)| end == s.len())
        .map(|(x, _)| x)
}

fn same_as_std(s: &str) {
    let std: f32 = s.parse().expect("std parses JSON numbers");
    let got = ours(s).unwrap_or_else(|| panic!("{s:?} refused"));
    assert_eq!(
        got.to_bits(),
        std.to_bits(),
        "{s}: ours {got:e}, std {std:e}"
    );
}

/// Python's `repr(float)` (what `json.dumps` writes): the shortest round-trip digits of the
/// `f64`, positional for exponents -4..16, else `d.ddde-05` style (sign, at least two digits).
fn python_repr(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{rest}e{esign}{:02}", exp.unsigned_abs())
    }
}

#[test]
fn python_repr_matches_python() {
    // Printed by CPython 3 `json.dumps` for these values.
    let cases = [
        (0.1f64, "0.1"),
        (1e-5, "1e-05"),
        (1.2345e-5, "1.2345e-05"),
        (0.0001, "0.0001"),
        (1e16, "1e+16"),
        (123.0, "123.0"),
        (-0.0, "-0.0"),
        (f64::from(0.1f32), "0.10000000149011612"),
        (f64::from(1e-40f32), "9.99994610111476e-41"),
    ];
    for (x, printed) in cases {
        assert_eq!(python_repr(x), printed);
    }
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |x| x.is_finite())
}

/// `f32` subnormals (and zero) of either sign.
fn subnormal_f32() -> impl Strategy<Value = f32> {
    (any::<bool>(), 0u32..0x0080_0000)
        .prop_map(|(negative, bits)| f32::from_bits(bits | (u32::from(negative) << 31)))
}

/// Random `f64`s printed as Python does: what `json.dumps` of float data sends.
fn python_f64() -> impl Strategy<Value = String> {
    any::<u64>()
        .prop_map(f64::from_bits)
        .prop_filter("finite", |x| x.is_finite())
        .prop_map(python_repr)
}

/// A JSON number: sign, integer part, fraction, exponent, of any length.
fn decimal() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![Just(String::from("0")), "[1-9][0-9]{0,24}"],
        prop::option::of("[0-9]{1,28}"),
        prop::option::of((
            prop_oneof![Just("e"), Just("E")],
            prop_oneof![Just(""), Just("+"), Just("-")],
            prop_oneof![0u32..80, 0u32..400, Just(99_999u32)],
        )),
    )
        .prop_map(|(negative, int, frac, exp)| {
            let mut s = String::new();
            if negative {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(frac) = frac {
                s.push('.');
                s.push_str(&frac);
            }
            if let Some((e, sign, n)) = exp {
                s.push_str(&format!("{e}{sign}{n}"));
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn printed_f32_reads_back(x in prop_oneof![finite_f32(), subnormal_f32()]) {
        let wide = f64::from(x);
        for s in [
            format!("{x}"),
            format!("{x:?}"),
            format!("{x:e}"),
            format!("{wide}"),
            format!("{wide:?}"),
            format!("{wide:e}"),
            python_repr(wide),
        ] {
            same_as_std(&s);
            prop_assert_eq!(ours(&s).map(f32::to_bits), Some(x.to_bits()), "{}", s);
        }
    }

    #[test]
    fn decimal_strings_match_std(s in decimal()) {
        same_as_std(&s);
    }

    #[test]
    fn python_printed_f64_match_std(s in python_f64()) {
        same_as_std(&s);
    }

    #[test]
    fn midpoints_and_neighbours_match_std(x in finite_f32(), nudge in -3i64..=3) {
        // Halfway between x and the next f32 up is exact in f64; so are its f64 neighbours.
        let next = f32::from_bits(x.to_bits() + 1);
        prop_assume!(next.is_finite());
        let mid = (f64::from(x) + f64::from(next)) / 2.0;
        let near = f64::from_bits(mid.to_bits().wrapping_add_signed(nudge));
        for s in [format!("{near:e}"), format!("{near:.30e}"), format!("{near:.12e}")] {
            same_as_std(&s);
        }
    }
}

#[test]
fn edge_cases_match_std() {
    let cases = [
        "0",
        "-0",
        "0e0",
        "0E+0",
        "-0e-0",
        "1E+2",
        "1e+2",
        "1E2",
        "0.0",
        "-0.0e10",
        "0e999999999",
        "1e-46",
        "-1e-46",
        "7e-46",
        "7.1e-46",
        "1e-45",
        "1.401298464324817e-45",
        "1.1754942e-38",
        "1.17549435e-38",
        "1.1754944e-38",
        "3.4028235e38",
        "3.40282346638528859811704183484516925440e38",
        "3.4028236e38",
        "3.4028235677973366e38",
        "3.4028235677973367e38",
        "1e38",
        "1e39",
        "16777216",
        "16777217",
        "16777218",
        "16777219",
        "0.1",
        "0.2",
        "0.3",
        "0.012345678901234567",
        "-0.012345678901234567",
        "1.2345678901234567e-05",
        "9999999999999999999",
        "99999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "0.00000000000000000000000000000000000000000000001",
        "1e400",
        "-1e400",
        "123456789012345678901234567890e-20",
        "2.000000238418579",
        "2.0000002384185791015625",
        "2.00000023841857910156250000001",
        "1.00000005960464477539062499999",
    ];
    for s in cases {
        same_as_std(s);
    }
}

#[test]
fn arrays_read_whole() {
    let text = "[ 0.5,-1e-3 , 2 ]";
    let (v, end) = json_f32::vectors(text.as_bytes(), 0).expect("array");
    assert_eq!(v, Vectors::One(vec![0.5, -1e-3, 2.0]));
    assert_eq!(end, text.len());
}

/// A search body decoded both ways: the fast path (`search::decode`) and serde alone.
fn both(body: &str) -> (Result<String, String>, Result<String, String>) {
    let show = |r: Result<SearchRequest, plan_index_api::ApiError>| {
        r.and_then(|r| r.into_spec())
            .map(|spec| format!("{spec:?}"))
            .map_err(|e| format!("{} {}", e.code, e.message))
    };
    let fast = show(search::decode(Body::Bytes(body.as_bytes())));
    let plain = show(Body::Bytes(body.as_bytes()).decode::<SearchRequest>("search"));
    (fast, plain)
}

#[test]
fn fast_path_gives_the_same_requests_and_errors() {
    let bodies = [
        r#"{"collection":"c","vector":[0.5,-0.25,1e-3],"k":3}"#,
        r#"{"vector":[[1,2],[3,4]],"collection":"c","where":{"a":"x\"y"}}"#,
        r#" { "collection" : "c" , "vector" : [ ] } "#,
        r#"{"collection":"c","vector":[1,"x",3]}"#,
        r#"{"collection":"c","vector":[1,null]}"#,
        r#"{"collection":"c","vector":[1e39,1]}"#,
        r#"{"collection":"c","vector":[1e400,1]}"#,
        r#"{"collection":"c","vector":[3.4028236e38]}"#,
        r#"{"collection":"c","vector":[3.4028235e38, -3.4028235e38]}"#,
        r#"{"collection":"c","vector":[1e-46, 1e-45, -0, 0e0, 1E+2]}"#,
        r#"{"collection":"c","vector":[1e-99999999999999, 1e99999999999999]}"#,
        r#"{"collection":"c","vector":[-01]}"#,
        r#"{"collection":"c","vector":[1.]}"#,
        r#"{"collection":"c","vector":[.5]}"#,
        r#"{"collection":"c","vector":[+1]}"#,
        r#"{"collection":"c","vector":[NaN]}"#,
        r#"{"collection":"c","vector":[ 1 ,	2 ,
3 ]}"#,
        r#"{"collection":"c","vector":[,]}"#,
        r#"{"collection":"c","vector":[01,1]}"#,
        r#"{"collection":"c","vector":[1,2,]}"#,
        r#"{"collection":"c","vector":[[1],2]}"#,
        r#"{"collection":"c","vector":[1,[2]]}"#,
        r#"{"collection":"c","vector":{"a":1}}"#,
        r#"{"collection":"c","vector":[1],"vector":[2]}"#,
        r#"{"collection":"c","vector":[1],"text":"t"}"#,
        r#"{"collection":"c","vector":[1],"unknown":1}"#,
        r#"{"collection":"c","vector":[1],"k":0}"#,
        r#"{"collection":"c","vector":[1]} trailing"#,
        r#"{"collection":"c","vector":[1],}"#,
        r#"{"collection":"c","vect\u006fr":[1]}"#,
        r#"{"collection":"c","vector":[1]"#,
        r#"["vector",[1]]"#,
        // `vector_b64`, read by the fast path when it is one plain string.
        r#"{"collection":"c","vector_b64":"AACAPwAAAEA=","k":2}"#,
        r#"{"vector_b64":"AACAPwAAAEAAAEBAAACAQA==","n":2,"collection":"c"}"#,
        r#"{"collection":"c","vector_b64":"AACAPwAAAEAAAEBAAACAQA==","n":3}"#,
        r#"{"collection":"c","vector_b64":"AACAPw\u003d\u003d"}"#,
        r#"{"collection":"c","vector_b64":"AACAPw\/A"}"#,
        r#"{"collection":"c","vector_b64":"AACAfw=="}"#,
        r#"{"collection":"c","vector_b64":"AACA"}"#,
        r#"{"collection":"c","vector_b64":"not base64!"}"#,
        r#"{"collection":"c","vector_b64":""}"#,
        r#"{"collection":"c","vector_b64":"AACAPw==","vector":[1]}"#,
        r#"{"collection":"c","vector":[1],"vector_b64":"AACAPw=="}"#,
        r#"{"collection":"c","vector_b64":"AACAPw==","vector_b64":"AACAPw=="}"#,
        r#"{"collection":"c","vector_b64":["AACAPw==","AAAAQA=="]}"#,
        r#"{"collection":"c","vector_b64":5}"#,
        r#"{"collection":"c","vector_b64":null}"#,
        r#"{"collection":"c","vector_b64":"AACAPw==
"}"#,
        r#"{"collection":"c","vector_b64":"AACAPw==","text":"t"}"#,
        r#"{"collection":"c","vector_b64":"AACAPw==","n":"2"}"#,
        r#"{"collection":"c","vector_b64":"AACAPw=="} trailing"#,
        r#"{"collection":"c","vector_b64":"AACAPw=="#,
    ];
    for body in bodies {
        let (fast, plain) = both(body);
        assert_eq!(fast, plain, "{body}");
    }
    let batch: Vec<String> = (0..1001).map(|_| "[1]".to_string()).collect();
    let body = format!(r#"{{"collection":"c","vector":[{}]}}"#, batch.join(","));
    let (fast, plain) = both(&body);
    assert!(
        fast.as_ref().is_err_and(|e| e.contains("at most")),
        "{fast:?}"
    );
    assert_eq!(fast, plain);
}

fn bits(xs: &[f32]) -> Vec<u32> {
    xs.iter().map(|x| x.to_bits()).collect()
}

/// The bits of the one query vector the fast path decodes from `body` (a panic when it decodes
/// to anything else).
fn vector_bits(body: &str) -> Vec<u32> {
    let request = search::decode(Body::Bytes(body.as_bytes())).expect("decodes");
    match request.into_spec().expect("spec").query {
        search::QueryInput::Engine(plan_index_core::search::Query::Vector(got)) => bits(&got),
        other => panic!("{body} decoded to {other:?}, not one vector"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fast_path_reads_printed_vectors(v in prop::collection::vec(finite_f32(), 0..40)) {
        let printed: Vec<String> = v.iter().map(|&x| python_repr(f64::from(x))).collect();
        let body = format!(r#"{{"collection":"c","vector":[{}],"k":2}}"#, printed.join(","));
        let (fast, plain) = both(&body);
        prop_assert_eq!(&fast, &plain);
        prop_assert_eq!(vector_bits(&body), bits(&v));
    }

    #[test]
    fn fast_path_reads_b64_vectors(
        v in prop::collection::vec(any::<u32>().prop_map(f32::from_bits), 0..40),
        spaces in 0usize..3,
    ) {
        use base64::Engine as _;
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let gap = " ".repeat(spaces);
        let body = format!(
            r#"{{"k":2,{gap}"vector_b64"{gap}:{gap}"{encoded}"{gap},"collection":"c"}}"#
        );
        // The string is read by the fast path, not left to serde_json.
        let split = plan_index_api::split_vector(&body);
        prop_assert!(
            matches!(split.map(|s| s.vector), Some(plan_index_api::SplitVector::B64(_))),
            "{}", body
        );
        let (fast, plain) = both(&body);
        prop_assert_eq!(&fast, &plain);
        if v.iter().all(|x| x.is_finite()) && !v.is_empty() {
            prop_assert_eq!(vector_bits(&body), bits(&v));
        }
    }
}
