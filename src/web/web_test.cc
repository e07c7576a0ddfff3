#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "web/api_json.h"
#include "web/auth.h"
#include "web/query_request.h"
#include "web/web_store.h"

namespace weir::web {
namespace {

constexpr int64_t kNow = 1'795'000'000'000;  // 2026-11-19T...

TEST(Web, SplitSwitchesHonoursQuotesAndBothForms) {
  auto s = SplitSwitches("--dport=53 --saddress 10.0.0.0/8 --expr 'bytes > 1M and proto tcp'");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[0], (std::pair<std::string, std::string>{"dport", "53"}));
  EXPECT_EQ((*s)[1].second, "10.0.0.0/8");
  EXPECT_EQ((*s)[2].second, "bytes > 1M and proto tcp");
  EXPECT_FALSE(SplitSwitches("--dport").ok());
  EXPECT_FALSE(SplitSwitches("dport=53").ok());
  EXPECT_FALSE(SplitSwitches("--expr 'open").ok());
}

TEST(Web, ParsesAQueryAndNamesBadFields) {
  auto q = ParseQueryRequest(
      R"({"view":"top","last":"15m","key":"dip","values":"bytes,records","count":5})", kNow);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->view, View::kTop);
  EXPECT_EQ(q->end_ms - q->start_ms, 15 * 60'000);
  EXPECT_EQ(q->count, 5u);
  ASSERT_EQ(q->values.size(), 2u);

  auto bad = ParseQueryRequest(R"({"view":"top"})", kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"key\""), std::string::npos);
  bad = ParseQueryRequest(R"({"view":"records","limit":-1})", kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"limit\""), std::string::npos);
  bad = ParseQueryRequest(R"({"switches":{"rm-rf":"x"}})", kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--rm-rf"), std::string::npos);
  EXPECT_FALSE(ParseQueryRequest("{", kNow).ok());
  EXPECT_FALSE(ParseQueryRequest(R"({"start":"2026/11/27","end":"2026/11/26"})", kNow).ok());
}

TEST(Web, PlanRefusesSwitchesThatAreNotFilterSwitches) {
  const SiteConfig& site = SiteConfig::Default();
  auto q = ParseQueryRequest(R"({"raw":"--pass-destination=/tmp/x"})", kNow);
  ASSERT_TRUE(q.ok());
  QueryControl control(QueryLimits{}, kNow);
  auto plan = PlanQuery(*q, site, "/nonexistent", kNow, control);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("--pass-destination"), std::string::npos);
}

TEST(Web, PlanReadsIpSetsOnlyFromTheRepositorySetsFolder) {
  const SiteConfig& site = SiteConfig::Default();
  for (const char* bad : {"/etc/passwd", "../secret", ".hidden"}) {
    std::string body = std::string(R"({"switches":{"sipset":")") + bad + R"("}})";
    auto q = ParseQueryRequest(body, kNow);
    ASSERT_TRUE(q.ok()) << bad;
    QueryControl control(QueryLimits{}, kNow);
    auto plan = PlanQuery(*q, site, "/nonexistent", kNow, control);
    ASSERT_FALSE(plan.ok()) << bad;
    EXPECT_NE(plan.status().message().find("sets/"), std::string::npos);
  }
}

// Dates typed as raw switches once bypassed the request's 400-day check, and the
// plan built an entry and a stat() per hour, flowtype and sensor of 130 years.
TEST(Web, PlanAppliesTheDayLimitToTheFinalSelection) {
  const SiteConfig& site = SiteConfig::Default();
  auto q = ParseQueryRequest(
      R"({"view":"summary","type":"all","raw":"--start-date=1970/01/01 --end-date=2099/12/31"})",
      kNow);
  ASSERT_TRUE(q.ok());
  QueryControl control(QueryLimits{}, kNow);
  auto plan = PlanQuery(*q, site, "/nonexistent", kNow, control);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("47482 days"), std::string::npos)
      << plan.status().message();
  QueryLimits tight;
  tight.max_days = 1;
  auto two_days = ParseQueryRequest(R"({"start":"2026/11/25","end":"2026/11/27"})", kNow);
  ASSERT_TRUE(two_days.ok());
  QueryControl tight_control(tight, kNow);
  EXPECT_FALSE(PlanQuery(*two_days, site, "/nonexistent", kNow, tight_control).ok());
}

TEST(Web, PlanStopsWhenItsQueryIsCancelled) {
  const SiteConfig& site = SiteConfig::Default();
  auto q = ParseQueryRequest(R"({"type":"all","start":"2026/01/01","end":"2026/12/01"})", kNow);
  ASSERT_TRUE(q.ok());
  QueryControl control(QueryLimits{}, kNow);
  control.Cancel();
  auto plan = PlanQuery(*q, site, "/nonexistent", kNow, control);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(plan.status().message().find("cancelled"), std::string::npos);
}

TEST(Web, MessagesShownToUsersCarryNoServerPaths) {
  EXPECT_EQ(WithoutServerPaths("/srv/repo/local/in/2026/x: damaged block 3", "/srv/repo"),
            "local/in/2026/x: damaged block 3");
  EXPECT_EQ(WithoutServerPaths("/srv/repo/a and /srv/repo/b", "/srv/repo/"), "a and b");
}

TEST(Web, PlanCombinesSwitchesExpressionPivotsAndExclusion) {
  const SiteConfig& site = SiteConfig::Default();
  auto q = ParseQueryRequest(
      R"({"start":"2026/11/26:00","end":"2026/11/26:02","switches":{"protocol":"6"},
          "raw":"--dport=443","expr":"bytes > 1000","exclude":"sport = 1",
          "where":[{"field":"dip","value":"10.0.0.1"},{"field":"sip","value":"10.0.0.2","exclude":true}]})",
      kNow);
  ASSERT_TRUE(q.ok()) << q.status().message();
  QueryControl control(QueryLimits{}, kNow);
  auto plan = PlanQuery(*q, site, "/nonexistent", kNow, control);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  FlowRecord r;
  r.stime_ms = 1'795'651'200'000 + 60'000;  // 2026-11-26T00:01Z
  r.protocol = 6;
  r.dport = 443;
  r.bytes = 5000;
  r.sport = 2;
  r.dip = *IpAddress::Parse("10.0.0.1");
  r.sip = *IpAddress::Parse("10.0.0.3");
  EXPECT_TRUE(plan->predicate.Matches(r)) << plan->predicate.ToString();
  FlowRecord excluded = r;
  excluded.sip = *IpAddress::Parse("10.0.0.2");
  EXPECT_FALSE(plan->predicate.Matches(excluded));
  FlowRecord other_port = r;
  other_port.sport = 1;
  EXPECT_FALSE(plan->predicate.Matches(other_port));
  FlowRecord too_late = r;
  too_late.stime_ms += 3 * 3'600'000;
  EXPECT_FALSE(plan->predicate.Matches(too_late));
  EXPECT_NE(plan->description.find("--dport='443'"), std::string::npos) << plan->description;
}

TEST(Web, PasswordsHashWithArgon2idAndVerify) {
  ASSERT_TRUE(InitCrypto().ok());
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "wrong horse"));
  EXPECT_FALSE(HashPassword("short").ok());
  EXPECT_NE(RandomToken(), RandomToken());
  EXPECT_EQ(TokenDigest("a").size(), 64u);
}

TEST(Web, LoginLimiterCountsBeforeCheckingAndBacksOffExponentially) {
  LoginLimiter limiter({.free_failures = 3, .window_ms = 60'000, .max_delay_ms = 8000});
  // Counted as they begin: three parallel attempts pass, the fourth waits.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Begin("ann@a", 100), 0);
  EXPECT_EQ(limiter.Begin("ann@a", 100), 1000);
  EXPECT_EQ(limiter.Begin("ann@b", 100), 0);  // the owner, elsewhere, is not locked out
  EXPECT_EQ(limiter.Begin("ann@a", 1100), 0);
  EXPECT_EQ(limiter.Begin("ann@a", 1200), 1900);  // then 2 s, 4 s, 8 s at most
  EXPECT_EQ(limiter.Begin("ann@a", 3100), 0);
  EXPECT_EQ(limiter.Begin("ann@a", 7100), 0);
  EXPECT_EQ(limiter.Begin("ann@a", 15'100), 0);
  EXPECT_EQ(limiter.Begin("ann@a", 15'200), 7900);
  limiter.Succeeded("ann@a");
  EXPECT_EQ(limiter.Begin("ann@a", 15'300), 0);
  // Forgotten a window after the last failure.
  LoginLimiter quick({.free_failures = 1, .window_ms = 1000, .max_delay_ms = 500});
  EXPECT_EQ(quick.Begin("k", 0), 0);
  EXPECT_EQ(quick.Begin("k", 100), 900 - 500);
  EXPECT_EQ(quick.Begin("k", 5000), 0);
  quick.Forgive("k");
  EXPECT_EQ(quick.size(), 0u);
}

TEST(Web, LoginLimiterKeepsABoundedNumberOfKeys) {
  LoginLimiter limiter(
      {.free_failures = 5, .window_ms = 1000, .max_delay_ms = 500, .max_keys = 100});
  for (int i = 0; i < 1000; ++i) limiter.Begin(std::string(1000, 'x') + std::to_string(i), i);
  EXPECT_LE(limiter.size(), 100u);
}

TEST(Web, StoreKeepsUsersSessionsTokensAndDocuments) {
  std::string path = "/tmp/weir-web-test-" + std::to_string(::getpid()) + ".db";
  ::unlink(path.c_str());
  {
    auto store = WebStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto& s = **store;
    auto admin = s.CreateUser("alice", "password-1", Role::kAdmin);
    ASSERT_TRUE(admin.ok()) << admin.status().message();
    EXPECT_FALSE(s.CreateUser("alice", "password-2", Role::kAnalyst).ok());
    EXPECT_FALSE(s.CreateUser("bad name", "password-2", Role::kAnalyst).ok());
    auto bob = s.CreateUser("bob", "password-2", Role::kAnalyst);
    ASSERT_TRUE(bob.ok());
    EXPECT_TRUE(s.CheckPassword("alice", "password-1").ok());
    EXPECT_FALSE(s.CheckPassword("alice", "password-2").ok());
    EXPECT_FALSE(s.CheckPassword("nobody", "password-1").ok());
    EXPECT_FALSE(s.DeleteUser("alice").ok());  // the last admin stays
    EXPECT_FALSE(s.SetRole("alice", Role::kAnalyst).ok());

    auto session = s.CreateSession(*bob, kNow, 1000);
    ASSERT_TRUE(session.ok());
    auto found = s.FindSession(session->token, kNow + 10);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->user.name, "bob");
    EXPECT_EQ(found->csrf, session->csrf);
    EXPECT_FALSE(s.FindSession(session->token, kNow + 2000).has_value());  // expired
    EXPECT_FALSE(s.FindSession("forged", kNow).has_value());

    auto token = s.CreateToken(*bob, "script", kNow);
    ASSERT_TRUE(token.ok());
    EXPECT_TRUE(s.FindToken(*token, kNow).has_value());
    EXPECT_FALSE(s.FindToken(*token, kNow + kDefaultTokenTtlMs).has_value());  // expired
    ASSERT_EQ(s.Tokens(*bob).size(), 1u);
    EXPECT_EQ(s.Tokens(*bob)[0].expires_ms, kNow + kDefaultTokenTtlMs);
    EXPECT_EQ(s.AllTokens().size(), 1u);
    EXPECT_TRUE(s.DeleteToken(*bob, s.Tokens(*bob)[0].id).ok());
    EXPECT_FALSE(s.FindToken(*token, kNow).has_value());
    // A password change keeps tokens unless asked; a reset revokes them.
    token = s.CreateToken(*bob, "script", kNow);
    ASSERT_TRUE(s.SetPassword("bob", "password-3", false).ok());
    EXPECT_TRUE(s.FindToken(*token, kNow).has_value());
    ASSERT_TRUE(s.SetPassword("bob", "password-4", true).ok());
    EXPECT_FALSE(s.FindToken(*token, kNow).has_value());

    Document doc{0, bob->id, "bob", "dns", R"({"view":"top","key":"dip"})", false, 0};
    auto saved = s.SaveDocument(DocumentKind::kQuery, doc, kNow);
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(s.Documents(DocumentKind::kQuery, *bob).size(), 1u);
    EXPECT_EQ(s.Documents(DocumentKind::kQuery, *admin).size(), 0u);  // not shared
    saved->shared = true;
    saved->owner_id = admin->id;  // not the owner: the update is refused
    EXPECT_FALSE(s.SaveDocument(DocumentKind::kQuery, *saved, kNow).ok());
    saved->owner_id = bob->id;
    ASSERT_TRUE(s.SaveDocument(DocumentKind::kQuery, *saved, kNow).ok());
    EXPECT_EQ(s.Documents(DocumentKind::kQuery, *admin).size(), 1u);  // shared now
    EXPECT_FALSE(s.DeleteDocument(DocumentKind::kQuery, saved->id, *bob).ok() &&
                 s.DeleteDocument(DocumentKind::kQuery, saved->id, *bob).ok());
    Document secret{0, bob->id, "bob", "secret", R"({"view":"summary"})", false, 0};
    ASSERT_TRUE(s.SaveDocument(DocumentKind::kQuery, secret, kNow).ok());
    Document team{0, bob->id, "bob", "team", R"({"view":"summary"})", true, 0};
    ASSERT_TRUE(s.SaveDocument(DocumentKind::kQuery, team, kNow).ok());
    s.Audit(kNow, "alice", "127.0.0.1", "user-delete", "bob");
    ASSERT_EQ(s.AuditLog(10).size(), 1u);
    EXPECT_EQ(s.AuditLog(10)[0].action, "user-delete");
    EXPECT_TRUE(s.DeleteUser("bob").ok());
    // A new user of the same name inherits nothing private of the old one's.
    auto new_bob = s.CreateUser("bob", "password-5", Role::kAnalyst);
    ASSERT_TRUE(new_bob.ok());
    EXPECT_NE(new_bob->id, bob->id);
    auto visible = s.Documents(DocumentKind::kQuery, *new_bob);
    ASSERT_EQ(visible.size(), 1u);  // the shared one only, owned by nobody now
    EXPECT_EQ(visible[0].name, "team");
    EXPECT_EQ(visible[0].owner_id, 0);
    EXPECT_FALSE(s.DeleteDocument(DocumentKind::kQuery, visible[0].id, *new_bob).ok());
    EXPECT_TRUE(s.DeleteUser("bob").ok());
  }
  auto reopened = WebStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->Users().size(), 1u);
  ::unlink(path.c_str());
}

// The first schema (version 0) is upgraded in place: users, sessions, tokens and
// documents stay; tokens get an expiry, documents their owner's id.
TEST(Web, StoreUpgradesTheFirstSchema) {
  std::string path = "/tmp/weir-web-test-v0-" + std::to_string(::getpid()) + ".db";
  ::unlink(path.c_str());
  std::string hash = *HashPassword("password-1");
  std::string sql =
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, role TEXT NOT NULL, "
      "password TEXT NOT NULL, created INTEGER NOT NULL);"
      "CREATE TABLE sessions (digest TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES "
      "users(id) ON DELETE CASCADE, csrf TEXT NOT NULL, expires INTEGER NOT NULL);"
      "CREATE TABLE tokens (id INTEGER PRIMARY KEY, digest TEXT UNIQUE NOT NULL, user_id INTEGER "
      "NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL, created INTEGER NOT "
      "NULL, last_used INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE saved_queries (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT "
      "NULL, body TEXT NOT NULL, shared INTEGER NOT NULL, updated INTEGER NOT NULL);"
      "CREATE TABLE dashboards (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, "
      "body TEXT NOT NULL, shared INTEGER NOT NULL, updated INTEGER NOT NULL);"
      "INSERT INTO users VALUES (1, 'alice', 'admin', '" +
      hash +
      "', 1);"
      "INSERT INTO tokens VALUES (1, '" +
      TokenDigest("weir_old") + "', 1, 'cron', " + std::to_string(kNow) +
      ", 0);"
      "INSERT INTO saved_queries VALUES (1, 'alice', 'mine', '{}', 0, 1);";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  {
    auto store = WebStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto alice = (*store)->FindUser("alice");
    ASSERT_TRUE(alice.has_value());
    EXPECT_TRUE((*store)->CheckPassword("alice", "password-1").ok());
    EXPECT_TRUE((*store)->FindToken("weir_old", kNow + 1).has_value());
    EXPECT_FALSE((*store)->FindToken("weir_old", kNow + kDefaultTokenTtlMs).has_value());
    auto docs = (*store)->Documents(DocumentKind::kQuery, *alice);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0].owner_id, alice->id);
  }
  ASSERT_TRUE(WebStore::Open(path).ok());  // opening again changes nothing
  ::unlink(path.c_str());
}

TEST(Web, JsonBodyReadsMembersLeniently) {
  JsonBody body(R"({"name":"x","shared":true,"query":{"view":"top"},"n":3})");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body.String("name"), "x");
  EXPECT_EQ(body.String("n", "fallback"), "fallback");
  EXPECT_TRUE(body.Bool("shared"));
  EXPECT_EQ(body.Raw("query"), R"({"view":"top"})");
  EXPECT_FALSE(JsonBody("[]").ok());
  EXPECT_FALSE(JsonBody("{").ok());
}

}  // namespace
}  // namespace weir::web
