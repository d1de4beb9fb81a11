// The adversaries that lie with Byzantine keys (equivocation, forge-signature,
// replay, collusion, random): which rules they install on which links, with
// which rewriter and parameters. What each rewriter then does to messages is
// tested in tests/agents/rewriters_test.cc.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/adversaries/adversary_test_util.h"

namespace turncoat {
namespace {

class ByzantineAdversaryTest : public AdversaryTest {
 protected:
  ByzantineAdversaryTest() { byzantine_ = {2}; }

  // The rules on link from -> to, by id.
  std::map<std::string, agent::v1::Rule> On(int from, int to) const {
    std::map<std::string, agent::v1::Rule> out;
    for (const auto& [key, rule] : control_.rules) {
      if (std::get<0>(key) == from && std::get<1>(key) == to) out[std::get<2>(key)] = rule;
    }
    return out;
  }
};

TEST_F(ByzantineAdversaryTest, EquivocationRewritesProposalsPerGroupAndSignsWithOwnKey) {
  auto eq = Make("equivocation", {2},
                 {{"split", std::vector<std::vector<int>>{{0}, {1}, {3}}},
                  {"clear", std::vector<std::string>{"proposal.justify"}}});
  ASSERT_NE(eq, nullptr);
  ASSERT_TRUE(eq->Start(control_).ok());
  // Group 0 hears the proposals as sent: no rule on 2 -> 0.
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{2, 1}, {2, 3}}));
  for (const auto& [to, variant] : std::map<int, std::string>{{1, "1"}, {3, "2"}}) {
    const auto rules = On(2, to);
    ASSERT_EQ(rules.size(), 1u);
    const agent::v1::Rule& rule = rules.begin()->second;
    EXPECT_EQ(rule.method(), "/refbft.Peer/Send");
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::REWRITE);
    EXPECT_EQ(rule.action().rewriter(), "equivocate");
    const auto& params = rule.action().params();
    EXPECT_EQ(params.at("variant"), variant);
    EXPECT_EQ(params.at("clear"), "proposal.justify");
    EXPECT_EQ(params.at("key"), "keys/2.key");
    // Where sender, signature and values are is the agents' message model,
    // not a rule's business.
    EXPECT_EQ(params.count("values"), 0u);
    EXPECT_EQ(params.count("sender"), 0u);
    // Every message: the block is rewritten wherever it appears.
    EXPECT_EQ(rule.fields_size(), 0);
  }
  ASSERT_TRUE(eq->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(ByzantineAdversaryTest, EquivocationNeedsTheTargetsValuePath) {
  target_.protocol.messages[0].values.clear();
  auto eq = TryMake("equivocation", {2}, {{"split", std::vector<std::vector<int>>{{0}, {1, 3}}}});
  ASSERT_FALSE(eq.ok());
  EXPECT_TRUE(absl::StrContains(eq.status().message(), "set values in protocol.messages"))
      << eq.status();
  EXPECT_TRUE(absl::StrContains(eq.status().message(), "targets/refbft.yaml")) << eq.status();
}

// The variants a rule sends, in order: `variant` alone or the `variants`
// list.
std::string VariantsOf(const agent::v1::Rule& rule) {
  const auto& params = rule.action().params();
  return params.count("variants") ? params.at("variants") : params.at("variant");
}

TEST_F(ByzantineAdversaryTest, EquivocationSendsEveryVariantToBothReplicasInADrawnOrder) {
  auto eq = Make("equivocation", {2},
                 {{"split", std::vector<std::vector<int>>{{0}, {1, 3}}},
                  {"both", std::vector<int>{3}},
                  {"clear", std::vector<std::string>{"proposal.justify"}}});
  ASSERT_NE(eq, nullptr);
  ASSERT_TRUE(eq->Start(control_).ok());
  // 3 is in group 1 as well: `both` wins, so it gets one rule, not two.
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{2, 1}, {2, 3}}));
  ASSERT_EQ(On(2, 1).size(), 1u);
  EXPECT_EQ(VariantsOf(On(2, 1).begin()->second), "1");
  const auto both = On(2, 3);
  ASSERT_EQ(both.size(), 1u);
  const auto& [id, rule] = *both.begin();
  const std::string order = VariantsOf(rule);
  EXPECT_TRUE(order == "0,1" || order == "1,0") << order;
  // The id says which order the replica hears the versions in.
  EXPECT_TRUE(absl::StrContains(id, absl::StrCat("-both-", order.substr(0, 1), "-", order.substr(2, 1))))
      << id << " for " << order;
  EXPECT_EQ(rule.action().rewriter(), "equivocate");
  EXPECT_EQ(rule.action().params().at("clear"), "proposal.justify");
  EXPECT_EQ(rule.action().params().at("key"), "keys/2.key");
  ASSERT_TRUE(eq->Stop(control_).ok());
  EXPECT_TRUE(control_.rules.empty());
}

TEST_F(ByzantineAdversaryTest, EquivocationBothHearsEveryGroupsVariantOutsideTheSplitToo) {
  n_ = 7;
  byzantine_ = {5, 6};
  auto eq = Make("equivocation", {5, 6},
                 {{"split", std::vector<std::vector<int>>{{0}, {1}, {2}}},
                  {"both", std::vector<int>{3, 4}}});
  ASSERT_NE(eq, nullptr);
  ASSERT_TRUE(eq->Start(control_).ok());
  for (int to : {3, 4}) {
    std::string order;
    for (int from : {5, 6}) {
      const auto rules = On(from, to);
      ASSERT_EQ(rules.size(), 1u) << from << " -> " << to;
      const std::string variants = VariantsOf(rules.begin()->second);
      std::vector<std::string> sorted = absl::StrSplit(variants, ',');
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(sorted, (std::vector<std::string>{"0", "1", "2"})) << variants;
      // Every equivocator tells one replica its versions in the same order.
      if (order.empty()) order = variants;
      EXPECT_EQ(variants, order);
    }
  }
  // Group 0 keeps hearing proposals as sent; the others one variant each.
  EXPECT_TRUE(On(5, 0).empty());
  EXPECT_EQ(VariantsOf(On(5, 2).begin()->second), "2");
}

TEST_F(ByzantineAdversaryTest, EquivocationDrawsTheBothOrderFromTheSeed) {
  auto order = [&](uint64_t seed) {
    seed_ = seed;
    RecordingControl control;
    auto eq = Make("equivocation", {2},
                   {{"split", std::vector<std::vector<int>>{{0}, {1}}},
                    {"both", std::vector<int>{3}}});
    EXPECT_TRUE(eq->Start(control).ok());
    for (const auto& [key, rule] : control.rules) {
      if (std::get<1>(key) == 3) return VariantsOf(rule);
    }
    return std::string();
  };
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    const std::string first = order(seed);
    EXPECT_EQ(order(seed), first) << "seed " << seed;
    seen.insert(first);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"0,1", "1,0"}));
}

TEST_F(ByzantineAdversaryTest, EquivocationRefusesBothNamingItsOwnNodes) {
  auto eq = TryMake("equivocation", {2},
                    {{"split", std::vector<std::vector<int>>{{0}, {1}}},
                     {"both", std::vector<int>{3, 2}}});
  ASSERT_FALSE(eq.ok());
  EXPECT_EQ(eq.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(eq.status().message(),
            "phase 3 (equivocation): both: replica 2 is one of the phase's nodes [2], which send "
            "the versions; list in both only replicas that receive them, or take 2 out of nodes");
  eq = TryMake("equivocation", {2},
               {{"split", std::vector<std::vector<int>>{{0}, {1}}}, {"both", std::vector<int>{4}}});
  ASSERT_FALSE(eq.ok());
  EXPECT_TRUE(absl::StrContains(eq.status().message(), "both: replica 4 is not in 0..3"))
      << eq.status();
}

TEST_F(ByzantineAdversaryTest, ForgeSignatureImpersonatesOnEveryOutgoingLink) {
  auto forge = Make("forge-signature", {2},
                    {{"as", std::vector<int>{0, 1, 3}},
                     {"signature", std::string("byzantine")},
                     {"set", std::vector<std::string>{"vote.phase=COMMIT"}},
                     {"messages", std::vector<std::string>{"vote"}},
                     {"to", std::vector<int>{0, 1}}});
  ASSERT_NE(forge, nullptr);
  ASSERT_TRUE(forge->Start(control_).ok());
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{2, 0}, {2, 1}}));
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().rewriter(), "forge");
    const auto& params = rule.action().params();
    EXPECT_EQ(params.at("as"), "0,1,3");
    EXPECT_EQ(params.at("signature"), "byzantine");
    EXPECT_EQ(params.at("set"), "vote.phase=COMMIT");
    EXPECT_EQ(params.at("key"), "keys/2.key");
    EXPECT_EQ(rule.fields_size(), 0);
    ASSERT_EQ(rule.kinds_size(), 1);
    EXPECT_EQ(rule.kinds(0), "vote");
  }
}

TEST_F(ByzantineAdversaryTest, ForgeSignatureRejectsUnknownSignatureKindsAndBadAssignments) {
  auto bad_kind = TryMake("forge-signature", {2},
                          {{"as", std::vector<int>{0}}, {"signature", std::string("valid")}});
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_TRUE(absl::StrContains(bad_kind.status().message(),
                                "random, empty, wrong-length, byzantine, other-content, replayed"));
  auto bad_set = TryMake("forge-signature", {2},
                         {{"as", std::vector<int>{0}}, {"set", std::vector<std::string>{"vote"}}});
  ASSERT_FALSE(bad_set.ok());
  EXPECT_TRUE(absl::StrContains(bad_set.status().message(), "path=value"));
}

TEST_F(ByzantineAdversaryTest, ForgeSignatureSkipsMessagesWhoseSenderIsTheLinkAndRefusesIfAllAre) {
  // pbft-like: prepares name their sender, commits are known from the link.
  MessageSpec prepare;
  prepare.methods = {"/pbft.Replica/Prepare"};
  prepare.kind = "prepare";
  prepare.sender = "sender";
  MessageSpec commit;
  commit.methods = {"/pbft.Replica/Commit"};
  commit.kind = "commit";
  target_.protocol.messages = {prepare, commit};
  auto forge = Make("forge-signature", {2}, {{"as", std::vector<int>{0}}});
  ASSERT_NE(forge, nullptr);
  ASSERT_TRUE(forge->Start(control_).ok());
  ASSERT_EQ(control_.rules.size(), 3u);  // 3 links x the one message that names its sender
  for (const auto& [key, rule] : control_.rules) EXPECT_EQ(rule.method(), "/pbft.Replica/Prepare");

  auto only_commits = TryMake("forge-signature", {2},
                              {{"as", std::vector<int>{0}},
                               {"messages", std::vector<std::string>{"commit"}}});
  ASSERT_FALSE(only_commits.ok());
  EXPECT_EQ(only_commits.status().message(),
            "phase 3 (forge-signature): no kind of peer message among commit in "
            "targets/refbft.yaml has a sender field; a message whose sender is known only from "
            "the link cannot claim another");
}

TEST_F(ByzantineAdversaryTest, ForgeSetNeedsADecodablePayload) {
  target_.protocol.messages[0].payload.codec = PayloadSpec::Codec::kOpaque;
  auto forge = TryMake("forge-signature", {2},
                       {{"as", std::vector<int>{0}},
                        {"set", std::vector<std::string>{"vote.phase=COMMIT"}}});
  ASSERT_FALSE(forge.ok());
  EXPECT_TRUE(absl::StrContains(forge.status().message(), "a payload turncoat can decode"))
      << forge.status();
  // Without `set`, forging needs only the sender field.
  EXPECT_TRUE(TryMake("forge-signature", {2}, {{"as", std::vector<int>{0}}}).ok());
}

TEST_F(ByzantineAdversaryTest, SpliceRecordsOnEveryLinkAndSplicesTowardsLaterGroups) {
  auto splice = Make("splice", {2}, {{"split", std::vector<std::vector<int>>{{0}, {1, 3}}}});
  ASSERT_NE(splice, nullptr);
  ASSERT_TRUE(splice->Start(control_).ok());
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{2, 0}, {2, 1}, {2, 3}}));
  for (const auto& [to, variant] : std::map<int, std::string>{{0, "0"}, {1, "1"}, {3, "1"}}) {
    const auto rules = On(2, to);
    ASSERT_EQ(rules.size(), 1u);
    const auto& params = rules.begin()->second.action().params();
    EXPECT_EQ(rules.begin()->second.action().rewriter(), "splice");
    EXPECT_EQ(params.at("variant"), variant);
    EXPECT_EQ(params.at("pool"), "p3-splice-from2");  // one pool for the replica's links
    EXPECT_EQ(params.at("take"), "earlier");
    EXPECT_EQ(params.at("key"), "keys/2.key");
  }
}

TEST_F(ByzantineAdversaryTest, SpliceLaterNeedsRoundFields) {
  const Params later = {{"split", std::vector<std::vector<int>>{{0}, {1, 3}}},
                        {"take", std::string("later")}};
  auto without_round = TryMake("splice", {2}, later);
  ASSERT_FALSE(without_round.ok());
  EXPECT_TRUE(absl::StrContains(without_round.status().message(), "set round in protocol.messages"))
      << without_round.status();
  target_.protocol.messages[0].round = {{"payload.proposal.height"}, {"payload.proposal.view"}};
  EXPECT_TRUE(TryMake("splice", {2}, later).ok());
  // An opaque payload cannot be relabelled, round fields or not.
  target_.protocol.messages[0].payload.codec = PayloadSpec::Codec::kOpaque;
  EXPECT_FALSE(TryMake("splice", {2}, later).ok());
  EXPECT_TRUE(TryMake("splice", {2}, {{"split", std::vector<std::vector<int>>{{0}, {1, 3}}}}).ok());
}

TEST_F(ByzantineAdversaryTest, ReplaySharesOneStorePerReplicaOnlyWhenAskedTo) {
  auto same = Make("replay", {2}, {{"after", absl::Seconds(3)}});
  ASSERT_TRUE(same->Start(control_).ok());
  std::set<std::string> pools;
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().rewriter(), "replay");
    EXPECT_EQ(rule.action().params().at("after"), "3s");
    pools.insert(rule.action().params().at("pool"));
  }
  EXPECT_EQ(pools.size(), 3u);  // one store per link
  ASSERT_TRUE(same->Stop(control_).ok());

  auto any = Make("replay", {2}, {{"after", absl::Seconds(3)}, {"peers", std::string("any")}});
  ASSERT_TRUE(any->Start(control_).ok());
  pools.clear();
  for (const auto& [key, rule] : control_.rules) pools.insert(rule.action().params().at("pool"));
  EXPECT_EQ(pools.size(), 1u);  // frames sent to one peer may be replayed to another
  EXPECT_FALSE(TryMake("replay", {2}, {{"after", absl::Seconds(1)}, {"peers", std::string("all")}})
                   .ok());
}

TEST_F(ByzantineAdversaryTest, ReplayFromTheArchiveSaysHowOldAndAsksForIt) {
  const Params params = {{"older_than", absl::Seconds(20)},
                         {"rounds_ago", 50.0},
                         {"peers", std::string("any")}};
  auto replay = Make("replay", {2}, params);
  ASSERT_TRUE(replay->Start(control_).ok());
  ASSERT_FALSE(control_.rules.empty());
  for (const auto& [key, rule] : control_.rules) {
    const auto& p = rule.action().params();
    EXPECT_EQ(p.at("older_than"), "20s");
    EXPECT_EQ(p.at("rounds_ago"), "50");
    EXPECT_EQ(p.at("links"), "any");
    EXPECT_EQ(p.count("after"), 0u);
  }
  const std::optional<AdversaryStep> step = replay->CurrentStep();
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->what,
            "replays messages at least 20s old and 50 or more rounds behind, from the run's "
            "archive");
  EXPECT_EQ(step->faulty, std::vector<int>{2});
  ASSERT_TRUE(replay->Stop(control_).ok());

  const AdversaryInfo* info = AdversaryRegistry::Global().Find("replay");
  ASSERT_NE(info, nullptr);
  ASSERT_TRUE(info->archive_use);
  EXPECT_TRUE(info->archive_use(params).rounds);
  EXPECT_FALSE(info->archive_use({{"after", absl::Seconds(3)}}).archive);
  // A replay of the phase's own recording has no step: its nodes are faulty.
  EXPECT_FALSE(Make("replay", {2}, {{"after", absl::Seconds(3)}})->CurrentStep().has_value());

  // Every combination is valid (generators draw each param on its own):
  // `after` with the archive is one more lower bound on age, the larger wins.
  auto both = Make("replay", {2}, {{"older_than", absl::Seconds(5)}, {"after", absl::Seconds(8)}});
  ASSERT_TRUE(both->Start(control_).ok());
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().params().at("older_than"), "8s");
    EXPECT_EQ(rule.action().params().count("after"), 0u);
  }
  ASSERT_TRUE(both->Stop(control_).ok());
  auto rounds_only = Make("replay", {2}, {{"rounds_ago", 3.0}});
  ASSERT_TRUE(rounds_only->Start(control_).ok());
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().params().count("older_than"), 0u);
  }
  ASSERT_TRUE(rounds_only->Stop(control_).ok());
}

TEST_F(ByzantineAdversaryTest, CollusionConflictingProposalRewritesEveryNodesProposalsToAll) {
  n_ = 7;
  byzantine_ = {5, 6};
  auto collusion = Make("collusion", {5, 6},
                        {{"strategy", std::string("conflicting-proposal")},
                         {"clear", std::vector<std::string>{"proposal.justify"}}});
  ASSERT_TRUE(collusion->Start(control_).ok());
  std::set<std::pair<int, int>> expected;
  for (int from : {5, 6}) {
    for (int to = 0; to < 7; ++to) {
      if (to != from) expected.emplace(from, to);
    }
  }
  EXPECT_EQ(control_.Links(), expected);
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().params().at("variant"), "1");
    EXPECT_EQ(rule.action().params().at("clear"), "proposal.justify");
    EXPECT_EQ(rule.action().params().at("key"), absl::StrCat("keys/", std::get<0>(key), ".key"));
  }
}

TEST_F(ByzantineAdversaryTest, CollusionEquivocatingStrategiesSendBothReplicasBothVersions) {
  n_ = 7;
  byzantine_ = {5, 6};
  for (const char* strategy : {"equivocate", "conflicting-proposal"}) {
    RecordingControl control;
    auto collusion = Make("collusion", {5, 6},
                          {{"strategy", std::string(strategy)},
                           {"split", std::vector<std::vector<int>>{{0, 1}, {2, 3, 4}}},
                           {"both", std::vector<int>{4}}});
    ASSERT_NE(collusion, nullptr);
    ASSERT_TRUE(collusion->Start(control).ok());
    for (const auto& [key, rule] : control.rules) {
      const std::string variants = VariantsOf(rule);
      if (std::get<1>(key) == 4) {
        EXPECT_TRUE(variants == "0,1" || variants == "1,0") << strategy << ": " << variants;
      } else {
        EXPECT_EQ(variants, "1") << strategy;
      }
    }
    int to4 = 0;
    for (const auto& [key, rule] : control.rules) to4 += std::get<1>(key) == 4;
    EXPECT_EQ(to4, 2) << strategy << ": one rule from each colluder";
  }
  // Withholding sends no versions: `both` is still checked.
  auto bad = TryMake("collusion", {5, 6},
                     {{"strategy", std::string("withhold")}, {"both", std::vector<int>{6}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "phase 3 (collusion): both: replica 6"))
      << bad.status();
}

TEST_F(ByzantineAdversaryTest, CollusionWithholdStarvesOneVictimFromEveryColluder) {
  n_ = 7;
  byzantine_ = {5, 6};
  auto collusion = Make("collusion", {5, 6},
                        {{"strategy", std::string("withhold")}, {"victim", std::vector<int>{3}}});
  ASSERT_TRUE(collusion->Start(control_).ok());
  EXPECT_EQ(control_.Links(), (std::set<std::pair<int, int>>{{5, 3}, {6, 3}}));
  for (const auto& [key, rule] : control_.rules) {
    EXPECT_EQ(rule.action().kind(), agent::v1::Action::DROP);
  }
}

TEST_F(ByzantineAdversaryTest, CollusionDrawsOneStrategyAndSplitFromTheSeed) {
  n_ = 7;
  byzantine_ = {5, 6};
  std::set<std::string> strategies;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    seed_ = seed;
    RecordingControl control;
    auto collusion = Make("collusion", {5, 6}, {});
    ASSERT_TRUE(collusion->Start(control).ok());
    std::set<std::string> names;
    for (const auto& [key, rule] : control.rules) {
      names.insert(std::get<2>(key).substr(0, std::get<2>(key).find("-m")));
    }
    // One strategy for the whole coalition.
    ASSERT_EQ(names.size(), 1u) << "seed " << seed;
    strategies.insert(*names.begin());
    if (absl::StrContains(*names.begin(), "equivocate")) {
      // Both colluders rewrite towards the same honest replicas.
      std::set<int> to5, to6;
      for (const auto& [key, rule] : control.rules) {
        (std::get<0>(key) == 5 ? to5 : to6).insert(std::get<1>(key));
      }
      EXPECT_EQ(to5, to6) << "seed " << seed;
      EXPECT_FALSE(to5.empty());
      EXPECT_LT(to5.size(), 5u);
    }
    // The same seed draws the same strategy.
    RecordingControl again;
    auto twin = Make("collusion", {5, 6}, {});
    ASSERT_TRUE(twin->Start(again).ok());
    EXPECT_EQ(control.Links(), again.Links());
  }
  EXPECT_GE(strategies.size(), 2u);
}

TEST_F(ByzantineAdversaryTest, RandomDrawsAReproducibleScheduleAndHealsEachRound) {
  auto schedule = [&](uint64_t seed) {
    seed_ = seed;
    RecordingControl control;
    auto random = Make("random", {2}, {{"round", absl::Seconds(1)}});
    std::vector<std::string> rounds;
    auto record = [&] {
      std::set<std::string> names;
      for (const auto& [key, rule] : control.rules) {
        const std::string& id = std::get<2>(key);
        names.insert(id.substr(0, id.find("-m")));
        // Only Byzantine replicas lie; honest links only see network faults.
        if (rule.action().kind() == agent::v1::Action::REWRITE) {
          EXPECT_EQ(std::get<0>(key), 2) << id;
        }
      }
      rounds.push_back(names.empty() ? "quiet" : *names.begin());
      EXPECT_LE(names.size(), 1u);
    };
    EXPECT_TRUE(random->Start(control).ok());
    record();
    for (int r = 1; r < 12; ++r) {
      EXPECT_TRUE(random->Tick(control, absl::Milliseconds(1000 * r + 10)).ok());
      record();
    }
    EXPECT_TRUE(random->Stop(control).ok());
    EXPECT_TRUE(control.rules.empty());
    return rounds;
  };
  const auto a = schedule(5);
  EXPECT_EQ(a, schedule(5));
  EXPECT_NE(a, schedule(6));
  std::set<std::string> kinds;
  for (const std::string& round : a) {
    kinds.insert(round == "quiet" ? round : round.substr(round.rfind('-') + 1));
  }
  EXPECT_GE(kinds.size(), 3u) << "12 rounds should draw several kinds of fault";
}

TEST_F(ByzantineAdversaryTest, RandomRoundsAreStepsNamingWhoIsFaulty) {
  seed_ = 5;
  RecordingControl control;
  auto random = Make("random", {2}, {{"round", absl::Seconds(1)}});
  ASSERT_TRUE(random->Start(control).ok());
  std::set<std::string> kinds;
  for (int r = 0; r < 24; ++r) {
    if (r > 0) {
      ASSERT_TRUE(random->Tick(control, absl::Milliseconds(1000 * r + 10)).ok());
    }
    const std::optional<AdversaryStep> step = random->CurrentStep();
    ASSERT_TRUE(step.has_value());
    const std::string prefix = absl::StrCat("round ", r, ": ");
    ASSERT_EQ(step->what.substr(0, prefix.size()), prefix) << step->what;
    const size_t end = step->what.find(' ', prefix.size());
    const std::string kind = step->what.substr(prefix.size(), end - prefix.size());
    kinds.insert(kind);
    if (kind != "partition") {
      EXPECT_EQ(step->faulty, std::vector<int>{2}) << step->what;
      continue;
    }
    // The Byzantine node, and everyone on a side of fewer than n - f = 3.
    const std::set<std::pair<int, int>> cut = control.Links();
    std::vector<int> expected;
    for (int x = 0; x < 4; ++x) {
      int side = 1;
      for (int y = 0; y < 4; ++y) side += (x != y && cut.count({x, y}) == 0) ? 1 : 0;
      if (x == 2 || side < 3) expected.push_back(x);
    }
    EXPECT_EQ(step->faulty, expected) << step->what;
  }
  EXPECT_EQ(kinds.count("partition"), 1u) << "24 rounds should draw a partition";
  ASSERT_TRUE(random->Stop(control).ok());
}

// Without a declared Δ, random's short delays never made anyone faulty;
// with one, a delay round beyond it makes the slowed replica faulty.
TEST_F(ByzantineAdversaryTest, RandomDelayRoundsBeyondDeltaMakeTheSlowedReplicaFaulty) {
  seed_ = 5;
  for (const absl::Duration delta : {absl::Milliseconds(49), absl::Milliseconds(300)}) {
    delta_ = delta;
    RecordingControl control;
    auto random = Make("random", {2}, {{"round", absl::Seconds(1)}});
    ASSERT_TRUE(random->Start(control).ok());
    int delays = 0;
    for (int r = 0; r < 40; ++r) {
      if (r > 0) {
        ASSERT_TRUE(random->Tick(control, absl::Milliseconds(1000 * r + 10)).ok());
      }
      const std::optional<AdversaryStep> step = random->CurrentStep();
      ASSERT_TRUE(step.has_value());
      const size_t at = step->what.find("on what replica ");
      if (step->what.find(": delay ") == std::string::npos || at == std::string::npos) continue;
      ++delays;
      const int slowed = step->what[at + std::string("on what replica ").size()] - '0';
      std::set<int> expected = {2};
      if (delta < absl::Milliseconds(50)) expected.insert(slowed);
      EXPECT_EQ(step->faulty, std::vector<int>(expected.begin(), expected.end())) << step->what;
    }
    EXPECT_GT(delays, 0) << "40 rounds should draw a delay";
    ASSERT_TRUE(random->Stop(control).ok());
  }
}

}  // namespace
}  // namespace turncoat
