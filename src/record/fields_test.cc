#include "record/fields.h"

#include <gtest/gtest.h>

#include <set>

namespace weir {
namespace {

TEST(Fields, EveryFieldHasAUniqueNameAndId) {
  std::set<std::string_view> names;
  std::set<int> ids;
  for (const auto& f : AllFields()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_TRUE(ids.insert(static_cast<int>(f.id)).second) << f.name;
    EXPECT_EQ(&GetField(f.id), &f);
    EXPECT_EQ(*FindField(f.name), f.id);
  }
}

TEST(Fields, FindsSilkNamesNumbersAndAliases) {
  EXPECT_EQ(*FindField("sIP"), FieldId::kSip);
  EXPECT_EQ(*FindField("SIP"), FieldId::kSip);
  EXPECT_EQ(*FindField("1"), FieldId::kSip);
  EXPECT_EQ(*FindField("12"), FieldId::kSensor);
  EXPECT_EQ(*FindField("in"), FieldId::kInput);
  EXPECT_EQ(*FindField("29"), FieldId::kApplication);
  EXPECT_EQ(*FindField("iType"), FieldId::kIcmpType);
  EXPECT_EQ(*FindField("proto"), FieldId::kProtocol);
  EXPECT_FALSE(FindField("nosuch").ok());
  EXPECT_FALSE(FindField("99").ok());
}

TEST(Fields, ParsesSilkFieldLists) {
  auto list = ParseFieldList("1-5,sTime,bytes");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 7u);
  EXPECT_EQ((*list)[4], FieldId::kProtocol);
  EXPECT_EQ((*list)[5], FieldId::kStime);
  EXPECT_EQ(ParseFieldList("1-12")->size(), 12u);
  EXPECT_FALSE(ParseFieldList("sip,,dip").ok());
  EXPECT_FALSE(ParseFieldList("5-1").ok());
}

TEST(Fields, DerivedValues) {
  FlowRecord r;
  r.protocol = kProtoIcmp;
  r.dport = 0x0303;
  r.stime_ms = 1000;
  r.duration_ms = 500;
  r.packets = 4;
  r.bytes = 400;
  EXPECT_EQ(GetUnsigned(r, FieldId::kIcmpType), 3u);
  EXPECT_EQ(GetUnsigned(r, FieldId::kIcmpCode), 3u);
  EXPECT_EQ(GetUnsigned(r, FieldId::kEtime), 1500u);
  EXPECT_EQ(GetUnsigned(r, FieldId::kBytesPerPacket), 100u);
}

}  // namespace
}  // namespace weir
