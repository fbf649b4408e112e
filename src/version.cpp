// SPDX-License-Identifier: MIT
// Anchors typegrad_support so the library exists before any compiled part lands.
namespace typegrad {
const char* support_version() { return "0.1.0"; }
} // namespace typegrad
