import Foundation

/// Whether the interoperability checks (strongSwan, tshark, openssl command line) must run rather
/// than skip: `.ci/run` installs those tools, runs as root and sets GROUPKEY_REQUIRE_INTEROP=1, so a
/// check that finds something missing there has lost its coverage and must fail, not pass quietly.
public enum InteropRequirement {
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["GROUPKEY_REQUIRE_INTEROP"] == "1" }
}
