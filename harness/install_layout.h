// Where the running turncoat finds its companions: the agent it starts
// beside every replica, the directory target files call {{build_dir}}
// (where the reference targets' binaries are), and the plans and targets
// shipped with it.
//
// Two layouts, told apart by the files beside the binary:
//   build tree   <build>/harness/turncoat, <build>/agents/turncoat-agent,
//                {{build_dir}} = <build>; no data directory (the plans and
//                targets are in the source tree).
//   installed    <prefix>/bin/turncoat beside <prefix>/bin/turncoat-agent,
//                {{build_dir}} = <prefix>/lib/turncoat (as `cmake --install`
//                lays out the reference targets' binaries, e.g.
//                lib/turncoat/targets/refbft/refbft), data in
//                <prefix>/share/turncoat/{plans,targets}.
// An agent beside the binary wins, so a turncoat copied next to an agent
// uses that one. Pure functions of the file system; thread-safe.
#ifndef TURNCOAT_HARNESS_INSTALL_LAYOUT_H_
#define TURNCOAT_HARNESS_INSTALL_LAYOUT_H_

#include <string>

namespace turncoat {

struct TurncoatLayout {
  std::string build_dir;  // what {{build_dir}} renders to in target files
  std::string agent;      // the turncoat-agent binary
  std::string data_dir;   // holds plans/ and targets/; empty in a build tree
};

// The layout of a turncoat binary in `binary_dir`.
TurncoatLayout LayoutBeside(const std::string& binary_dir);

// The layout of the running binary (/proc/self/exe).
TurncoatLayout RunningLayout();

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_INSTALL_LAYOUT_H_
