//! Pagination conformance (`walk` steps) against fake targets: for every List operation of the
//! packs, a wiremock server pages five items one at a time, once faithfully, once dropping an
//! item between pages and once repeating one across pages; the walk passes the first and fails
//! the others, naming what went wrong.

use std::time::Duration;

use cognate::check::{CheckName, Checker, Status, Verdict};
use cognate::model::Catalogue;
use cognate::replay::{self, Client, Signing};
use cognate::scenario::{self, Env};
use cognate::target::Fixture;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const POOL: &str = "us-east-1_Example1";
const KEYS: [&str; 5] = ["a1", "b2", "c3", "d4", "e5"];

/// One List operation: where its pages hold items, what identifies an item, a valid item.
struct Listing {
    operation: &'static str,
    items: &'static str,
    key: &'static str,
    page_size: &'static str,
    request: Value,
    item: fn(&str) -> Value,
}

fn listings() -> Vec<Listing> {
    vec![
        Listing {
            operation: "ListUserPools",
            items: "UserPools",
            key: "Id",
            page_size: "MaxResults",
            request: json!({}),
            item: |k| json!({"Id": format!("us-east-1_{k}"), "Name": k}),
        },
        Listing {
            operation: "ListUserPoolClients",
            items: "UserPoolClients",
            key: "ClientId",
            page_size: "MaxResults",
            request: json!({"UserPoolId": POOL}),
            item: |k| json!({"ClientId": k, "UserPoolId": POOL, "ClientName": k}),
        },
        Listing {
            operation: "ListGroups",
            items: "Groups",
            key: "GroupName",
            page_size: "Limit",
            request: json!({"UserPoolId": POOL}),
            item: |k| json!({"GroupName": k, "UserPoolId": POOL}),
        },
        Listing {
            operation: "ListResourceServers",
            items: "ResourceServers",
            key: "Identifier",
            page_size: "MaxResults",
            request: json!({"UserPoolId": POOL}),
            item: |k| json!({"UserPoolId": POOL, "Identifier": k, "Name": k}),
        },
        Listing {
            operation: "ListIdentityProviders",
            items: "Providers",
            key: "ProviderName",
            page_size: "MaxResults",
            request: json!({"UserPoolId": POOL}),
            item: |k| json!({"ProviderName": k, "ProviderType": "OIDC"}),
        },
    ]
}

/// How the fake target pages.
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// The third item never comes.
    Drops,
    /// The second item comes again on the third page.
    Repeats,
}

/// Serves `items` (after the fault) a page at a time; the token is the index of the next item.
struct Pages {
    listing: &'static str,
    page_size: &'static str,
    items: Vec<Value>,
}

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let from: usize = body["NextToken"]
            .as_str()
            .and_then(|t| t.strip_prefix("tok-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let size = body[self.page_size].as_u64().unwrap_or(60) as usize;
        let to = (from + size).min(self.items.len());
        let mut out = json!({ self.listing: self.items[from.min(to)..to] });
        if to < self.items.len() {
            out["NextToken"] = json!(format!("tok-{to}"));
        }
        ResponseTemplate::new(200).set_body_raw(out.to_string(), "application/x-amz-json-1.1")
    }
}

/// The one-step scenario that walks a listing at page size 1, expecting exactly the five keys.
fn walk_scenario(l: &Listing) -> scenario::data::Scenario {
    let mut request = l.request.clone();
    request[l.page_size] = json!(1);
    let request: toml::Table = serde_json::from_value(request).unwrap();
    let keys: Vec<String> = KEYS
        .iter()
        .map(|k| match l.operation {
            "ListUserPools" => format!("\"us-east-1_{k}\""),
            _ => format!("\"{k}\""),
        })
        .collect();
    let text = format!(
        r#"
[[scenario]]
name = "walk {op}"

[[scenario.step]]
name = "page size 1"
operation = "{op}"
request = {request}
outcome = "success"
evidence = "ops §11 walking pages (conf. B)"
walk = {{ items = "/{items}", key = "/{key}", token = "NextToken", exactly = [{keys}] }}
"#,
        op = l.operation,
        request = toml::Value::Table(request),
        items = l.items,
        key = l.key,
        keys = keys.join(", "),
    );
    let mut all = scenario::data::from_files(
        [("pagination-test.toml".to_owned(), text)],
        Catalogue::embedded(),
    )
    .unwrap();
    all.remove(0)
}

async fn walk(l: &Listing, fault: Fault) -> Verdict {
    let mut items: Vec<Value> = KEYS.iter().map(|k| (l.item)(k)).collect();
    match fault {
        Fault::None => {}
        Fault::Drops => {
            items.remove(2);
        }
        Fault::Repeats => {
            let again = items[1].clone();
            items.insert(2, again);
        }
    }
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Pages {
            listing: l.items,
            page_size: l.page_size,
            items,
        })
        .mount(&server)
        .await;
    walk_against(&server.uri(), &walk_scenario(l)).await
}

/// Runs a one-step walk scenario against a target and gives its verdict.
async fn walk_against(uri: &str, scenario: &scenario::data::Scenario) -> Verdict {
    let client = Client::new(
        uri,
        replay::Config {
            concurrency: 1,
            timeout: Duration::from_secs(10),
            signing: Signing::test_credentials("us-east-1"),
        },
    )
    .unwrap();
    let checker = Checker::new(Catalogue::embedded()).unwrap();
    let fixture = Fixture::default();
    let env = Env {
        catalogue: Catalogue::embedded(),
        client: &client,
        checker: &checker,
        fixture: &fixture,
        codes: None,
        tag: "t1",
        cleanup: &Default::default(),
        issuer: &cognate::issuer::Issuer::new(&client, None),
    };
    let mut runs = scenario::run_scenario(&env, scenario).await;
    assert_eq!(runs.len(), 1);
    runs.remove(0).verdict
}

#[tokio::test]
async fn every_list_operation_walk_catches_dropped_and_repeated_items() {
    for l in listings() {
        let good = walk(&l, Fault::None).await;
        assert_eq!(
            good.status,
            Status::Pass,
            "{}: {:?}",
            l.operation,
            good.reason
        );
        assert!(
            good.checks
                .iter()
                .any(|c| c.check == CheckName::Pagination && c.outcome.as_str() == "pass"),
            "{}: no pagination check",
            l.operation
        );

        let dropped = walk(&l, Fault::Drops).await;
        assert_eq!(dropped.status, Status::Fail, "{}", l.operation);
        let why = dropped.reason.unwrap_or_default();
        assert!(
            why.starts_with("pagination: ") && why.contains("missing") && why.contains("c3"),
            "{}: {why}",
            l.operation
        );

        let repeated = walk(&l, Fault::Repeats).await;
        assert_eq!(repeated.status, Status::Fail, "{}", l.operation);
        let why = repeated.reason.unwrap_or_default();
        assert!(
            why.contains("listed twice (pages 2 and 3)") && why.contains("b2"),
            "{}: {why}",
            l.operation
        );
    }
}

#[tokio::test]
async fn a_page_over_the_page_size_and_a_token_that_never_ends_fail() {
    let l = &listings()[2];
    // Ignores the page size: all five on one page.
    let server = MockServer::start().await;
    let body = json!({"Groups": KEYS.iter().map(|k| (l.item)(k)).collect::<Vec<_>>(), "NextToken": "again"});
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1"),
        )
        .mount(&server)
        .await;
    let v = walk_against(&server.uri(), &walk_scenario(l)).await;
    assert_eq!(v.status, Status::Fail);
    assert!(
        v.reason
            .as_deref()
            .is_some_and(|r| r.contains("holds 5 items, more than the page size 1")),
        "{:?}",
        v.reason
    );

    // A new item on every page, and always the same token: the walk stops at the repeat.
    struct Endless(std::sync::atomic::AtomicUsize);
    impl Respond for Endless {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body = json!({"Groups": [{"GroupName": format!("g{n}"), "UserPoolId": POOL}], "NextToken": "again"});
            ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1")
        }
    }
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Endless(Default::default()))
        .mount(&server)
        .await;
    let v = walk_against(&server.uri(), &walk_scenario(l)).await;
    assert_eq!(v.status, Status::Fail);
    assert!(
        v.reason
            .as_deref()
            .is_some_and(|r| r.contains("page 2 gives a token an earlier page gave")),
        "{:?}",
        v.reason
    );
}
