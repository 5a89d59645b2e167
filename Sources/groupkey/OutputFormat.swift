import ArgumentParser

/// `--format` of every reporting command (the command-line contract: text for people, json
/// for automation).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
