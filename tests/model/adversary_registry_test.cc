#include "model/adversary_registry.h"

#include "gtest/gtest.h"

namespace turncoat {
namespace {

AdversaryInfo Info(const std::string& name, const std::string& summary) {
  return AdversaryInfo{name, summary, NodeRule::kAny, {{"by", ParamKind::kDuration, true, ""}}};
}

TEST(AdversaryRegistryTest, FindsRegisteredNamesSorted) {
  AdversaryRegistry registry;
  ASSERT_TRUE(registry.Register(Info("pause", "p")).ok());
  ASSERT_TRUE(registry.Register(Info("crash", "c")).ok());
  EXPECT_EQ(registry.Names(), (std::vector<std::string>{"crash", "pause"}));
  ASSERT_NE(registry.Find("crash"), nullptr);
  EXPECT_NE(registry.Find("crash")->FindParam("by"), nullptr);
  EXPECT_EQ(registry.Find("crash")->FindParam("to"), nullptr);
  EXPECT_EQ(registry.Find("crush"), nullptr);
}

TEST(AdversaryRegistryTest, TwoImplementationsOfOneNameAreAnError) {
  AdversaryRegistry registry;
  ASSERT_TRUE(registry.Register(Info("crash", "first")).ok());
  const absl::Status s = registry.Register(Info("crash", "second"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(std::string(s.message()), "adversary 'crash' is registered twice");
  EXPECT_EQ(registry.Find("crash")->summary, "first");
}

TEST(AdversaryRegistryTest, ImplementationReplacesPlaceholderInEitherOrder) {
  AdversaryRegistry placeholder_first;
  placeholder_first.RegisterPlaceholder(Info("twins", "planned"));
  const AdversaryInfo* before = placeholder_first.Find("twins");
  ASSERT_TRUE(placeholder_first.Register(Info("twins", "real")).ok());
  EXPECT_EQ(placeholder_first.Find("twins")->summary, "real");
  EXPECT_EQ(placeholder_first.Find("twins"), before);  // pointers stay valid

  AdversaryRegistry implementation_first;
  ASSERT_TRUE(implementation_first.Register(Info("twins", "real")).ok());
  implementation_first.RegisterPlaceholder(Info("twins", "planned"));
  EXPECT_EQ(implementation_first.Find("twins")->summary, "real");
}

}  // namespace
}  // namespace turncoat
