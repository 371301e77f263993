use super::*;

#[test]
fn final_codes_default_to_1008_and_application_codes() {
    let c = ClientConfig::default();
    for code in [1008, 4000, 4404, 4999] {
        assert!(c.is_final(code), "{code}");
    }
    for code in [1000, 1001, 1006, 1011, 3000] {
        assert!(!c.is_final(code), "{code}");
    }
}

#[test]
#[allow(clippy::result_large_err)]
fn code_ranges_round_trip_through_toml() {
    #[derive(Serialize, Deserialize)]
    struct T {
        codes: Vec<CodeRange>,
    }
    use figment::providers::Format;
    let parse = |text: &str| -> std::result::Result<T, figment::Error> {
        figment::Figment::from(figment::providers::Toml::string(text)).extract()
    };
    let t = parse(r#"codes = [1008, "4000-4999", "3001"]"#).unwrap();
    assert_eq!(
        t.codes,
        [
            CodeRange::single(1008),
            CodeRange::new(4000, 4999),
            CodeRange::single(3001)
        ]
    );
    let text = serde_json::to_string(&t).unwrap();
    assert_eq!(text, r#"{"codes":[1008,"4000-4999",3001]}"#);
    let err = parse(r#"codes = ["40x0"]"#).err().unwrap();
    assert!(err.to_string().contains("40x0"), "{err}");
}

#[test]
fn a_zero_offline_byte_budget_is_refused_by_key() {
    let c = ClientConfig {
        offline_queue_bytes: 0,
        ..ClientConfig::default()
    };
    let err = c.validate().unwrap_err();
    assert!(
        err.to_string().contains("`client.offline_queue_bytes` = 0"),
        "{err}"
    );
}

#[test]
fn bad_backoff_is_refused_by_key() {
    let mut c = ClientConfig::default();
    c.backoff.multiplier = 0.5;
    let err = c.validate().unwrap_err();
    assert!(
        err.to_string().contains("client.backoff.multiplier"),
        "{err}"
    );
    c.backoff.multiplier = f64::NAN;
    assert!(c.validate().is_err());
    c.backoff = Backoff {
        max: Duration::from_millis(1),
        ..Backoff::default()
    };
    assert!(c
        .validate()
        .unwrap_err()
        .to_string()
        .contains("backoff.max"));
    ClientConfig::default().validate().unwrap();
}
