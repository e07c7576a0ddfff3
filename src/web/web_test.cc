#include <gtest/gtest.h>
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
  auto plan = PlanQuery(*q, site, "/nonexistent", kNow);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("--pass-destination"), std::string::npos);
}

TEST(Web, PlanReadsIpSetsOnlyFromTheRepositorySetsFolder) {
  const SiteConfig& site = SiteConfig::Default();
  for (const char* bad : {"/etc/passwd", "../secret", ".hidden"}) {
    std::string body = std::string(R"({"switches":{"sipset":")") + bad + R"("}})";
    auto q = ParseQueryRequest(body, kNow);
    ASSERT_TRUE(q.ok()) << bad;
    auto plan = PlanQuery(*q, site, "/nonexistent", kNow);
    ASSERT_FALSE(plan.ok()) << bad;
    EXPECT_NE(plan.status().message().find("sets/"), std::string::npos);
  }
}

TEST(Web, PlanCombinesSwitchesExpressionPivotsAndExclusion) {
  const SiteConfig& site = SiteConfig::Default();
  auto q = ParseQueryRequest(
      R"({"start":"2026/11/26:00","end":"2026/11/26:02","switches":{"protocol":"6"},
          "raw":"--dport=443","expr":"bytes > 1000","exclude":"sport = 1",
          "where":[{"field":"dip","value":"10.0.0.1"},{"field":"sip","value":"10.0.0.2","exclude":true}]})",
      kNow);
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto plan = PlanQuery(*q, site, "/nonexistent", kNow);
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

TEST(Web, LoginLimiterLocksOutAfterFailuresUntilTheWindowPasses) {
  LoginLimiter limiter(3, 1000);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfter("k", 100), 0);
    limiter.Failed("k", 100);
  }
  EXPECT_EQ(limiter.RetryAfter("k", 500), 600);
  EXPECT_EQ(limiter.RetryAfter("other", 500), 0);
  EXPECT_EQ(limiter.RetryAfter("k", 1100), 0);
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
    ASSERT_EQ(s.Tokens(*bob).size(), 1u);
    EXPECT_TRUE(s.DeleteToken(*bob, s.Tokens(*bob)[0].id).ok());
    EXPECT_FALSE(s.FindToken(*token, kNow).has_value());

    Document doc{0, "bob", "dns", R"({"view":"top","key":"dip"})", false, 0};
    auto saved = s.SaveDocument(DocumentKind::kQuery, doc, kNow);
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(s.Documents(DocumentKind::kQuery, "bob").size(), 1u);
    EXPECT_EQ(s.Documents(DocumentKind::kQuery, "alice").size(), 0u);  // not shared
    saved->shared = true;
    saved->owner = "alice";  // not the owner: the update is refused
    EXPECT_FALSE(s.SaveDocument(DocumentKind::kQuery, *saved, kNow).ok());
    saved->owner = "bob";
    ASSERT_TRUE(s.SaveDocument(DocumentKind::kQuery, *saved, kNow).ok());
    EXPECT_EQ(s.Documents(DocumentKind::kQuery, "alice").size(), 1u);  // shared now
    EXPECT_FALSE(s.DeleteDocument(DocumentKind::kQuery, saved->id, *bob).ok() &&
                 s.DeleteDocument(DocumentKind::kQuery, saved->id, *bob).ok());
    EXPECT_TRUE(s.DeleteUser("bob").ok());
  }
  auto reopened = WebStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->Users().size(), 1u);
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
