#include "store/ip_set_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace weir {
namespace {

IpSet SetOf(const char* text) {
  IpSet s;
  EXPECT_TRUE(AddIpText(text, s).ok());
  return s;
}

TEST(IpSetFile, RoundTripsIpv4AndIpv6) {
  for (const char* text : {"10.0.0.0/8 192.168.1.1 172.16.0.0/12", "10.0.0.1 2001:db8::/48", ""}) {
    IpSet set = SetOf(text);
    std::string data = SerializeIpSet(set);
    auto back = ParseIpSet(data, "mem");
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_TRUE(*back == set) << text;
  }
}

TEST(IpSetFile, DetectsDamage) {
  std::string data = SerializeIpSet(SetOf("10.0.0.0/8 10.2.3.4"));
  std::string flipped = data;
  flipped.back() ^= 1;
  EXPECT_EQ(ParseIpSet(flipped, "f").status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(ParseIpSet(data.substr(0, data.size() - 1), "f").ok());
  EXPECT_FALSE(ParseIpSet(data.substr(0, 20), "f").ok());
  std::string newer = data;
  newer[8] = 9;
  EXPECT_FALSE(ParseIpSet(newer, "f").ok());
}

TEST(IpSetFile, LoadsTextAndSavesAtomically) {
  std::string dir = ::testing::TempDir();
  std::string text_path = dir + "/set.txt", set_path = dir + "/set.weirset";
  std::ofstream(text_path) << "# watch list\n10.1.2.3\n10.9.0.0/16  # lab\n\n2001:db8::1\n";
  auto loaded = LoadIpSetFile(text_path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->Contains(*IpAddress::Parse("10.9.200.1")));
  ASSERT_TRUE(SaveIpSetFile(*loaded, set_path).ok());
  auto again = LoadIpSetFile(set_path);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == *loaded);
  std::ofstream(text_path) << "10.1.2.3\nnot-an-address\n";
  auto bad = LoadIpSetFile(text_path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("set.txt:2:"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace weir
