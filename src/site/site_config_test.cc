#include "site/site_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/test_data.h"
#include "base/time.h"
#include "site/file_selection.h"

namespace weir {
namespace {

const int64_t kHour = 1795759200000;  // 2026-11-27T06:00:00Z

// A silk.conf with the write-up's quirks: one sensor, the class opened twice,
// and an empty packing-logic (at line 29 of the write-up's file, 32 of weir's).
void ExpectWriteupLayout(const std::string& path, const std::string& sensor, int logic_line) {
  auto site = SiteConfig::LoadFile(path);
  ASSERT_TRUE(site.ok()) << site.status().message();
  EXPECT_EQ(site->version(), 2);
  ASSERT_EQ(site->sensors().size(), 1u);
  EXPECT_EQ(site->sensors()[0].name, sensor);
  EXPECT_EQ(site->flowtypes().size(), 11u);
  ASSERT_NE(site->Class("all"), nullptr);
  EXPECT_EQ(site->Class("all")->sensors.size(), 1u);  // the class opened twice merges
  EXPECT_EQ(site->Class("all")->default_flowtypes.size(), 3u);
  EXPECT_EQ(site->path_format(), "%N/%T/%Y/%m/%d/%x");
  ASSERT_EQ(site->warnings().size(), 1u);  // the empty packing-logic
  EXPECT_NE(site->warnings()[0].find("silk.conf:" + std::to_string(logic_line)), std::string::npos)
      << site->warnings()[0];
  EXPECT_EQ(site->FilePath(2, 0, kHour),
            sensor + "/inweb/2026/11/27/iw-" + sensor + "_20261127.06");
}

TEST(SiteConfig, LoadsFilesWithTheWriteupsQuirks) {
  ExpectWriteupLayout(SourceDir() + "/tests/data/site/silk.conf", "edge", 32);
}

TEST(SiteConfig, LoadsTheSharedSilkConfVerbatim) {
  const std::string path = SharedDir() + "/silk/silk.conf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent";
  ExpectWriteupLayout(path, "local", 29);
}

// The one place the environment is read: arguments, then the variables SiLK's
// tools read, then ROOT/silk.conf, then the embedded default.
TEST(SiteConfig, LocateHonoursArgumentsThenTheEnvironment) {
  const std::string root = ::testing::TempDir() + "/locate-root";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/silk.conf") << "sensor 0 x\n";
  unsetenv("SILK_CONFIG_FILE");
  unsetenv("SILK_DATA_ROOTDIR");
  unsetenv("WEIR_DATA_ROOTDIR");
  EXPECT_EQ(SiteConfig::Locate("", "").root, "data");
  EXPECT_EQ(SiteConfig::Locate("", "").config_file, "");
  setenv("SILK_DATA_ROOTDIR", root.c_str(), 1);
  EXPECT_EQ(SiteConfig::Locate("", "").root, root);
  EXPECT_EQ(SiteConfig::Locate("", "").config_file, root + "/silk.conf");
  setenv("WEIR_DATA_ROOTDIR", "/weir-root", 1);
  EXPECT_EQ(SiteConfig::Locate("", "").root, "/weir-root");
  EXPECT_EQ(SiteConfig::Locate("", "").config_file, "");
  EXPECT_EQ(SiteConfig::Locate("", root).config_file, root + "/silk.conf");
  setenv("SILK_CONFIG_FILE", "/etc/silk.conf", 1);
  EXPECT_EQ(SiteConfig::Locate("", root).config_file, "/etc/silk.conf");
  EXPECT_EQ(SiteConfig::Locate("mine.conf", root).config_file, "mine.conf");
  unsetenv("SILK_CONFIG_FILE");
  unsetenv("SILK_DATA_ROOTDIR");
  unsetenv("WEIR_DATA_ROOTDIR");
}

TEST(SiteConfig, LoadsStockTwowayLayout) {
  auto site = SiteConfig::LoadFile(std::string(WEIR_SOURCE_DIR) + "/tests/data/silk-twoway.conf");
  ASSERT_TRUE(site.ok()) << site.status().message();
  EXPECT_EQ(site->sensors().size(), 15u);
  EXPECT_EQ(site->Class("all")->sensors.size(), 15u);
  EXPECT_TRUE(site->warnings().empty());
  EXPECT_EQ(site->FilePath(0, 3, kHour), "in/2026/11/27/in-S3_20261127.06");
  EXPECT_EQ(*site->FindFlowtype("all", "outweb"), 3);
  EXPECT_EQ(site->SensorName(14), "S14");
  EXPECT_EQ(site->Sensor(0)->description, "Sensor zero");
}

TEST(SiteConfig, EveryPathFormatConversion) {
  auto site = SiteConfig::Parse(
      "sensor 7 S7\nclass c\n sensors S7\n type 9 t ft\nend class\n"
      "path-format \"%C|%F|%H|%N|%T|%Y|%d|%f|%m|%n|%%|%x\"\n",
      "t.conf");
  ASSERT_TRUE(site.ok()) << site.status().message();
  EXPECT_EQ(site->FilePath(9, 7, kHour + 5), "c|ft|06|S7|t|2026|27|9|11|7|%|ft-S7_20261127.06");
  EXPECT_EQ(site->default_class(), "c");  // the only class
}

TEST(SiteConfig, DefaultFlowtypeNameIsClassPlusType) {
  auto site = SiteConfig::Parse("sensor 0 a\nclass all\n sensors a\n type 0 in\nend class\n", "t");
  ASSERT_TRUE(site.ok());
  EXPECT_EQ(site->Flowtype(0)->name, "allin");
}

void ExpectError(std::string_view text, std::string_view where, std::string_view what) {
  auto site = SiteConfig::Parse(text, "bad.conf");
  ASSERT_FALSE(site.ok()) << text;
  EXPECT_NE(site.status().message().find(where), std::string::npos) << site.status().message();
  EXPECT_NE(site.status().message().find(what), std::string::npos) << site.status().message();
  EXPECT_EQ(site.status().message().find('\n'), std::string::npos);
}

TEST(SiteConfig, ErrorsNameFileLineAndReason) {
  ExpectError("version 3\n", "bad.conf:1", "unsupported version");
  ExpectError("sensor 0 a\nsensor 0 b\n", "bad.conf:2", "already used");
  ExpectError("sensor 0 a\nclass c\n sensors nosuch\nend class\n", "bad.conf:3",
              "unknown sensor 'nosuch'");
  ExpectError("sensor 0 a\nclass c\n type 0 in\n type 0 out\nend class\n", "bad.conf:4",
              "already used");
  ExpectError("sensor 0 a\nclass c\n type 0 in\n", "bad.conf", "missing 'end class'");
  ExpectError("frobnicate 1\n", "bad.conf:1", "unknown statement");
  ExpectError("sensor 0 a\npath-format \"%Q/%x\"\n", "bad.conf:2", "unknown conversion");
  ExpectError("sensor 0 \"a\n", "bad.conf:1", "unterminated");
  ExpectError("sensor 0 a\nclass c\n type 0 in\n default-types out\nend class\n", "bad.conf:4",
              "default type 'out'");
  ExpectError("sensor 0 a\nclass c\n type 0 in\nend class\ndefault-class d\n", "bad.conf",
              "default-class 'd'");
  ExpectError("end group\n", "bad.conf:1", "without an open block");
  ExpectError("sensor 0 a_b\n", "bad.conf:1", "invalid sensor name");
  ExpectError("include \"/nonexistent/x.conf\"\n", "bad.conf:1", "include");
}

TEST(SiteConfig, IncludeIsRelativeToTheIncludingFile) {
  auto dir = std::filesystem::temp_directory_path() / ("weir_site_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "sensors.inc") << "sensor 0 S0\nsensor 1 S1\n";
  std::ofstream(dir / "silk.conf") << "include \"sub/sensors.inc\"\nclass all\n sensors S0 S1\n"
                                      " type 0 in in\nend class\n";
  std::ofstream(dir / "loop.conf") << "include \"loop.conf\"\n";
  auto site = SiteConfig::LoadFile((dir / "silk.conf").string());
  ASSERT_TRUE(site.ok()) << site.status().message();
  EXPECT_EQ(site->sensors().size(), 2u);
  auto loop = SiteConfig::LoadFile((dir / "loop.conf").string());
  EXPECT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("nested too deeply"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(SiteConfig, EmbeddedDefaultLoads) {
  const SiteConfig& site = SiteConfig::Default();
  EXPECT_EQ(site.sensors().size(), 1u);
  EXPECT_EQ(site.flowtypes().size(), 11u);
  EXPECT_TRUE(site.warnings().empty());
}

class SelectionTest : public ::testing::Test {
 protected:
  SiteConfig site_ =
      std::move(SiteConfig::LoadFile(std::string(WEIR_SOURCE_DIR) + "/tests/data/silk-twoway.conf"))
          .value();
};

TEST_F(SelectionTest, DefaultsToDefaultTypesAndAllSensors) {
  FileSelection sel;
  sel.start_date = "2026/11/27:06";
  auto files = SelectFiles(site_, "/r", sel, kHour);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 3u * 15u);
  EXPECT_EQ((*files)[0].path, "/r/in/2026/11/27/in-S0_20261127.06");
}

TEST_F(SelectionTest, TypesSensorsAndFlowtypes) {
  FileSelection sel;
  sel.types = "all";
  sel.sensors = "S1,3-4";
  sel.start_date = "2026/11/27";
  auto files = SelectFiles(site_, "/r", sel, kHour);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 24u * 11u * 3u);
  FileSelection ft;
  ft.flowtypes = "all/inweb,all/outweb";
  ft.sensors = "S0";
  ft.start_date = "2026/11/27:00";
  ft.end_date = "2026/11/27:02";
  files = SelectFiles(site_, "/r", ft, kHour);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 6u);
  EXPECT_EQ((*files)[5].path, "/r/outweb/2026/11/27/ow-S0_20261127.02");
}

TEST_F(SelectionTest, DateRulesFollowRwfilter) {
  FileSelection sel;
  sel.start_date = "2026/11/26";
  sel.end_date = "2026/11/27:03";  // day precision start: the end hour is ignored
  auto h = SelectHours(sel, kHour);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((h->second - h->first) / kMillisPerHour + 1, 48);
  sel.start_date = "2026/11/26:22";
  h = SelectHours(sel, kHour);
  EXPECT_EQ((h->second - h->first) / kMillisPerHour + 1, 6);
  sel.end_date = "2026/11/25";
  EXPECT_FALSE(SelectHours(sel, kHour).ok());
  FileSelection none;
  h = SelectHours(none, kHour + 1234);
  EXPECT_EQ(h->first, FloorTo(kHour, kMillisPerDay));
  EXPECT_EQ(h->second, kHour);
}

TEST_F(SelectionTest, BadSelectionsAreClearErrors) {
  FileSelection sel;
  sel.types = "nosuch";
  EXPECT_NE(SelectFiles(site_, "/r", sel, kHour).status().message().find("unknown type 'nosuch'"),
            std::string::npos);
  sel = {};
  sel.classes = "other";
  EXPECT_FALSE(SelectFiles(site_, "/r", sel, kHour).ok());
  sel = {};
  sel.sensors = "S99";
  EXPECT_FALSE(SelectFiles(site_, "/r", sel, kHour).ok());
  sel = {};
  sel.flowtypes = "all/in";
  sel.types = "in";
  EXPECT_FALSE(SelectFiles(site_, "/r", sel, kHour).ok());
}

}  // namespace
}  // namespace weir
