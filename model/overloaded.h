// Overloaded{...}: a set of lambdas as one visitor for std::visit, the
// idiom cppreference names "overloaded". Events and parameters are
// variants; this keeps each visit a flat list of cases.
#ifndef TURNCOAT_MODEL_OVERLOADED_H_
#define TURNCOAT_MODEL_OVERLOADED_H_

namespace turncoat {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_OVERLOADED_H_
