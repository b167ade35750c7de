# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sealroom_global_optspecs
    string join \n vault= server-pin= i/identity= json receipt= v/verbose h/help V/version
end

function __fish_sealroom_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sealroom_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sealroom_using_subcommand
    set -l cmd (__fish_sealroom_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sealroom -n "__fish_sealroom_needs_command" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_needs_command" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_needs_command" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_needs_command" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_needs_command" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_needs_command" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sealroom -n "__fish_sealroom_needs_command" -s V -l version -d 'Print version'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "init" -d 'Make a new, empty vault (never touches an existing one)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "keygen" -d 'Make a new identity file and print its card'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "passwd" -d 'Change, add or remove the passphrase of an identity file (-i FILE), in place'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "card" -d 'Print the card (public half) of an identity'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "unlock" -d 'Keep a passphrase-protected identity open for a while (in the kernel keyring, never on disk), so later commands do not ask for the passphrase'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "lock" -d 'Forget an identity kept open by `unlock`'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "case" -d 'Open, inspect, change and close cases'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "deposit" -d 'Deposit a document in a case; prints its number `#N`'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "list" -d 'List the documents of a case you can read, titles decrypted'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "read" -d 'Read a document: checks the depositor\'s signature and the body\'s hash'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "consent" -d 'Consent, as a member of the owner party, to a document going to another party (or, with `--to external`, leaving the case by export)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "disclose" -d 'Give every member of a party access to a document, as the case\'s rules allow'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "revoke" -d 'Remove a party\'s access to a document (an owner-party member or a mediator)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "export" -d 'Export a document as a standard age file for an outside recipient (its owner party, or a mediator as the case\'s rules allow)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "grant" -d 'Give one member access to documents they are entitled to (a current reader): later co-counsel, a replacement identity, a newcomer to a party that was disclosed a document'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "rekey" -d 'Re-encrypt documents under new keys for their readers who are still members, so keys kept by removed members open nothing current (a current reader)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "seal" -d 'Seal a closed case into one archive file (the archivist)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "archive" -d 'Verify, show, release, open and destroy sealed archives'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "log" -d 'Show a case\'s history; with --verify, check the whole log'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "receipt" -d 'Check or fetch receipts'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "checkpoint" -d 'Show or check a case\'s checkpoint: what members compare to catch a vault that shows them different histories'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "doctor" -d 'Check the whole vault: database, every blob\'s hash, references, every case log and the vault\'s records of refused attempts'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "vault" -d 'Back up or restore a whole vault (the operator)'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "serve" -d 'Serve the vault (--vault DIR) to members across the network, over HTTPS'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "completions" -d 'Print shell completions, generated from this command line\'s own definition'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "man" -d 'Print the manual page (roff), generated from this command line\'s own definition'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "demo" -d 'Run a whole small case end to end in a fresh vault, narrating each step'
complete -c sealroom -n "__fish_sealroom_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -l database -d 'A scale-out vault\'s records: an empty PostgreSQL database (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -l blobs -d 'A scale-out vault\'s bodies: s3://BUCKET[/PREFIX] (the bucket must exist)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand init" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l name -d 'Your name as it will appear in cases' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -s o -l output -d 'Where to write the identity (must not exist)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l no-passphrase -d 'Write the identity unencrypted (for automation, like `age-keygen`)'
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l allow-weak-passphrase -d 'Accept a passphrase the strength check finds easy to guess'
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand keygen" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -l no-passphrase -d 'Remove the passphrase (the file is then readable by anyone who can read it)'
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -l allow-weak-passphrase -d 'Accept a new passphrase the strength check finds easy to guess'
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand passwd" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand card" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -l for -d 'How long to keep it open (e.g. 15m, 1h; at most 24h)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand lock" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "open" -d 'Open a case; you (-i) become its registrar and sign its charter'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "show" -d 'Show a case: state, policy, members'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "list" -d 'List the cases in the vault'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "join" -d 'Join a case: check its charter against the fingerprint the registrar gave you (or against the invitation the registrar signed), and pin it on this machine'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "invite" -d 'Invite a member to a case (registrar only): a signed file with everything their machine pins when they join'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "add-member" -d 'Add a party member or a mediator (registrar only)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "remove-member" -d 'Remove a party member or a mediator (registrar only): no new wraps, grants or acts for them from now on'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "replace-member" -d 'Replace a lost or compromised identity by a new one in the same role (registrar only)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "close" -d 'Close a case: no new deposits; reading still works (mediator or registrar)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and not __fish_seen_subcommand_from open show list join invite add-member remove-member replace-member close help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l mediator -d 'A mediator\'s card (repeat for co-mediators)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l party -d 'A party member: LABEL=CARD (repeat a label for co-counsel)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l archivist -d 'The archivist\'s card' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l custodian -d 'A custodian\'s card (repeat; holds one share of the escrow key)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l threshold -d 'How many custodians must join to open the archive' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l policy -d 'Disclosure policy' -r -f -a "consent\t'Disclosure by a mediator needs the owner party\'s signed consent (ICSID r.17(4))'
discretion\t'The mediator may disclose except caucus and confidential deposits (UNCITRAL art. 8)'"
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l title -d 'A public title for the case' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l charter -d 'The charter fingerprint from the registrar (64 hex digits; spaces allowed)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l registrar -d 'With an invitation: the registrar\'s card you trust; the invitation must be signed by it' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l trust-on-first-use -d 'Pin whatever charter the vault shows now, unchecked (a warning is printed): only if you cannot get the fingerprint and accept that a vault operator could have replaced the case'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from join" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -l to -d 'The member\'s card' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -s o -l output -d 'Where to write the invitation (never overwritten)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -l location -d 'Where members reach the vault, as the invitation names it (default: this vault\'s folder)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from invite" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -l party -d 'A new party member: LABEL=CARD' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -l mediator -d 'A new mediator\'s card' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from add-member" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l party -d 'The party member to remove: LABEL=CARD' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l mediator -d 'The mediator to remove (their card)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l rekey -d 'Also re-encrypt the documents they could read (those you can read) away from their key'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from remove-member" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -l old -d 'The card of the identity to replace' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -l new -d 'The card of the new identity' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from replace-member" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from close" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "open" -d 'Open a case; you (-i) become its registrar and sign its charter'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a case: state, policy, members'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the cases in the vault'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "join" -d 'Join a case: check its charter against the fingerprint the registrar gave you (or against the invitation the registrar signed), and pin it on this machine'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "invite" -d 'Invite a member to a case (registrar only): a signed file with everything their machine pins when they join'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "add-member" -d 'Add a party member or a mediator (registrar only)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "remove-member" -d 'Remove a party member or a mediator (registrar only): no new wraps, grants or acts for them from now on'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "replace-member" -d 'Replace a lost or compromised identity by a new one in the same role (registrar only)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "close" -d 'Close a case: no new deposits; reading still works (mediator or registrar)'
complete -c sealroom -n "__fish_sealroom_using_subcommand case; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l category -d 'caucus, brief, evidence, settlement, procedural or mediator-note' -r -f -a "caucus\t'your party and the mediators; disclosed only with consent'
brief\t'your party and the mediators'
evidence\t'your party and the mediators'
settlement\t'every party, the mediators and the archivist'
procedural\t'everyone in the case'
mediator-note\t'the mediators only'"
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l title -d 'A title (encrypted; defaults to the file name)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l as-party -d 'The party you deposit for, if you belong to several' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l confidential -d 'Disclosure always needs your party\'s consent, whatever the case policy'
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l share-with-all -d 'Briefs and evidence: readable by every party at once'
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand deposit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l party -d 'Only this party\'s documents (log: entries by its members or about its documents)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l category -d 'Only documents of this category (log: entries about them)' -r -f -a "caucus\t'your party and the mediators; disclosed only with consent'
brief\t'your party and the mediators'
evidence\t'your party and the mediators'
settlement\t'every party, the mediators and the archivist'
procedural\t'everyone in the case'
mediator-note\t'the mediators only'"
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l actor -d 'Only what this member did: their name, or the start of their fingerprint (hex)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l since -d 'Only from this day (YYYY-MM-DD) or time (RFC 3339) on' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l until -d 'Only up to this day (included) or time' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -l force -d 'Replace an existing -o FILE; without -o, write a document that is not text to the terminal anyway'
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -l sync -d 'Flush -o FILE to the disk before giving it its name, so that it survives a power cut (slower; the vault keeps the document either way)'
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand read" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -l to -d 'The party the document may go to, or `external` for an export' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand consent" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -l to -d 'The receiving party' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand disclose" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -l from -d 'The party whose access is removed (`external`: withdraw a consent to export)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -l rekey -d 'Also re-encrypt the document under a new key for those who keep access'
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand revoke" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l recipient -d 'The recipient to encrypt to: an age recipient (`age1…`) or an SSH public key line (`ssh-ed25519 …`, `ssh-rsa …`)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -s o -l output -d 'Where to write the age file' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l force -d 'Replace FILE if it exists'
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l sync -d 'Flush FILE to the disk before giving it its name, so that it survives a power cut (slower)'
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand export" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -l to-member -d 'The member\'s card' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -l all -d 'Every document you can read that they are entitled to'
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand grant" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -l all -d 'Every document you can read that a removed member could read'
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand rekey" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -l retain-until -d 'Last day the archive must be kept (YYYY-MM-DD)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -s o -l output -d 'Where to write the archive (must not exist)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand seal" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -f -a "verify" -d 'Check an archive with no vault and no key: every member, every signature, the log'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -f -a "show" -d 'Describe an archive: parties, dates, retention, documents (no confidential data); with --ledger, also who released shares, opened it or destroyed it'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -f -a "release" -d 'Release your escrow share (as a custodian, -i) to a requester\'s card'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -f -a "open" -d 'Open an archive with enough released shares (you, -i, are the requester)'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -f -a "destroy" -d 'Destroy an archive\'s key material after its retention date (the archivist)'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and not __fish_seen_subcommand_from verify show release open destroy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -l certificate -d 'A destruction certificate: its key material may then be absent' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -l certificate -d 'A destruction certificate, for a destroyed archive' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -l ledger -d 'Also check and print the archive\'s ledger (default file: ARCHIVE.ledger)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -l to -d 'The requester\'s card' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -s o -l output -d 'Where to write the release (must not exist)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -l ledger -d 'The archive\'s ledger, where the release is recorded (default: ARCHIVE.ledger)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from release" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -l share -d 'A share release made out to you (repeat)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -s o -l output -d 'The folder to create' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -l ledger -d 'The archive\'s ledger, where the opening is recorded (default: ARCHIVE.ledger)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -s o -l output -d 'Where to write the certificate (must not exist)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -l ledger -d 'The archive\'s ledger, where the destruction is recorded (default: ARCHIVE.ledger)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from destroy" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check an archive with no vault and no key: every member, every signature, the log'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "show" -d 'Describe an archive: parties, dates, retention, documents (no confidential data); with --ledger, also who released shares, opened it or destroyed it'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "release" -d 'Release your escrow share (as a custodian, -i) to a requester\'s card'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "open" -d 'Open an archive with enough released shares (you, -i, are the requester)'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "destroy" -d 'Destroy an archive\'s key material after its retention date (the archivist)'
complete -c sealroom -n "__fish_sealroom_using_subcommand archive; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l party -d 'Only this party\'s documents (log: entries by its members or about its documents)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l category -d 'Only documents of this category (log: entries about them)' -r -f -a "caucus\t'your party and the mediators; disclosed only with consent'
brief\t'your party and the mediators'
evidence\t'your party and the mediators'
settlement\t'every party, the mediators and the archivist'
procedural\t'everyone in the case'
mediator-note\t'the mediators only'"
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l actor -d 'Only what this member did: their name, or the start of their fingerprint (hex)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l since -d 'Only from this day (YYYY-MM-DD) or time (RFC 3339) on' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l until -d 'Only up to this day (included) or time' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l verify -d 'Verify the whole log instead of printing it'
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l refusals -d 'List the refused attempts recorded for this case instead of its history'
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -f -a "verify" -d 'Check a receipt: its inclusion proof and checkpoint signature, and that the vault\'s current log still contains it, unrewritten (consistency proof)'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -f -a "get" -d 'Fetch the receipt of a log entry again (e.g. if writing it failed)'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and not __fish_seen_subcommand_from verify get help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -l offline -d 'Check only the receipt itself, without a vault'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -s o -l output -d 'Where to write it (default: standard output)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a receipt: its inclusion proof and checkpoint signature, and that the vault\'s current log still contains it, unrewritten (consistency proof)'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from help" -f -a "get" -d 'Fetch the receipt of a log entry again (e.g. if writing it failed)'
complete -c sealroom -n "__fish_sealroom_using_subcommand receipt; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -f -a "show" -d 'Print the case\'s checkpoint as you verify it now, signed by the vault\'s log key: send it to the other members (it holds no confidential data)'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -f -a "check" -d 'Check a checkpoint another member sent you against the log the vault shows you: it must be signed by the vault\'s log key and be a prefix of your log'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and not __fish_seen_subcommand_from show check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the case\'s checkpoint as you verify it now, signed by the vault\'s log key: send it to the other members (it holds no confidential data)'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check a checkpoint another member sent you against the log the vault shows you: it must be signed by the vault\'s log key and be a prefix of your log'
complete -c sealroom -n "__fish_sealroom_using_subcommand checkpoint; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -l grace -d 'With --repair: leave leftovers younger than this alone (`30m`, `2h`, `1d`; `0` removes all)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -l repair -d 'Remove unreferenced blobs and temp files (and nothing else)'
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -f -a "backup" -d 'Copy the vault (--vault) to a new folder, consistently, and check the copy'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -f -a "restore" -d 'Make a vault (--vault) from a backup, checking the backup first and the result after'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -f -a "copy" -d 'Copy a whole vault to other storage: a vault folder, or PostgreSQL and an S3-compatible bucket (a scale-out vault), either way'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and not __fish_seen_subcommand_from backup restore copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l from -d 'The vault to copy (a vault folder, or a scale-out vault\'s folder)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l to -d 'The new folder for the copy (must not exist, or be empty)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l database -d 'Make the copy a scale-out vault with its records in this empty PostgreSQL database' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l blobs -d '...and its bodies in this bucket (s3://BUCKET[/PREFIX])' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Copy the vault (--vault) to a new folder, consistently, and check the copy'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Make a vault (--vault) from a backup, checking the backup first and the result after'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy a whole vault to other storage: a vault folder, or PostgreSQL and an S3-compatible bucket (a scale-out vault), either way'
complete -c sealroom -n "__fish_sealroom_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l listen -d 'Where to listen (HOST:PORT; port 0 picks a free one) [default: 127.0.0.1:8443]' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l config -d 'A configuration file (TOML: listen, vault, registrars, tls_cert, tls_key, database, blobs, [limits]); flags override it' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l registrar -d 'The card of a registrar of the institution, who may open cases (repeatable)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l tls-cert -d 'The certificate chain (PEM) to serve' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l tls-key -d 'The key (PEM) of --tls-cert' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l database -d 'Serve a scale-out vault whose records are in this PostgreSQL database (in place of what the vault folder\'s backends.toml names)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l blobs -d '... and whose bodies are in this bucket: s3://BUCKET[/PREFIX]' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l plain-http -d 'Serve plain HTTP, only on a loopback address (behind a TLS-terminating proxy on the same machine)'
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand serve" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand completions" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand man" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -l dir -d 'Folder for the demo\'s vault and identities (default: a temporary folder)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -l vault -d 'The vault: a folder, or a vault service\'s address (https://HOST[:PORT])' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -l server-pin -d 'The key pin of the vault service (sha256//…, as `sealroom serve` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)' -r
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -s i -l identity -d 'Your identity file: who is acting' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -l receipt -d 'Write the receipt of this act to FILE (default: your receipts folder, $XDG_STATE_HOME/sealroom/receipts/)' -r -F
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -l remote -d 'Serve the vault on 127.0.0.1 (HTTPS, a self-signed key pinned) and have every person reach it across the network, as members abroad do'
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -l json -d 'Print one JSON document on stdout instead of text'
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -s v -l verbose -d 'On failure, also print the chain of causes'
complete -c sealroom -n "__fish_sealroom_using_subcommand demo" -s h -l help -d 'Print help'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "init" -d 'Make a new, empty vault (never touches an existing one)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "keygen" -d 'Make a new identity file and print its card'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "passwd" -d 'Change, add or remove the passphrase of an identity file (-i FILE), in place'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "card" -d 'Print the card (public half) of an identity'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "unlock" -d 'Keep a passphrase-protected identity open for a while (in the kernel keyring, never on disk), so later commands do not ask for the passphrase'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "lock" -d 'Forget an identity kept open by `unlock`'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "case" -d 'Open, inspect, change and close cases'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "deposit" -d 'Deposit a document in a case; prints its number `#N`'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "list" -d 'List the documents of a case you can read, titles decrypted'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "read" -d 'Read a document: checks the depositor\'s signature and the body\'s hash'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "consent" -d 'Consent, as a member of the owner party, to a document going to another party (or, with `--to external`, leaving the case by export)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "disclose" -d 'Give every member of a party access to a document, as the case\'s rules allow'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "revoke" -d 'Remove a party\'s access to a document (an owner-party member or a mediator)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "export" -d 'Export a document as a standard age file for an outside recipient (its owner party, or a mediator as the case\'s rules allow)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "grant" -d 'Give one member access to documents they are entitled to (a current reader): later co-counsel, a replacement identity, a newcomer to a party that was disclosed a document'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "rekey" -d 'Re-encrypt documents under new keys for their readers who are still members, so keys kept by removed members open nothing current (a current reader)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "seal" -d 'Seal a closed case into one archive file (the archivist)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "archive" -d 'Verify, show, release, open and destroy sealed archives'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "log" -d 'Show a case\'s history; with --verify, check the whole log'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "receipt" -d 'Check or fetch receipts'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "checkpoint" -d 'Show or check a case\'s checkpoint: what members compare to catch a vault that shows them different histories'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "doctor" -d 'Check the whole vault: database, every blob\'s hash, references, every case log and the vault\'s records of refused attempts'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "vault" -d 'Back up or restore a whole vault (the operator)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "serve" -d 'Serve the vault (--vault DIR) to members across the network, over HTTPS'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "completions" -d 'Print shell completions, generated from this command line\'s own definition'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "man" -d 'Print the manual page (roff), generated from this command line\'s own definition'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "demo" -d 'Run a whole small case end to end in a fresh vault, narrating each step'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and not __fish_seen_subcommand_from init keygen passwd card unlock lock case deposit list read consent disclose revoke export grant rekey seal archive log receipt checkpoint doctor vault serve completions man demo help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "open" -d 'Open a case; you (-i) become its registrar and sign its charter'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "show" -d 'Show a case: state, policy, members'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "list" -d 'List the cases in the vault'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "join" -d 'Join a case: check its charter against the fingerprint the registrar gave you (or against the invitation the registrar signed), and pin it on this machine'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "invite" -d 'Invite a member to a case (registrar only): a signed file with everything their machine pins when they join'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "add-member" -d 'Add a party member or a mediator (registrar only)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "remove-member" -d 'Remove a party member or a mediator (registrar only): no new wraps, grants or acts for them from now on'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "replace-member" -d 'Replace a lost or compromised identity by a new one in the same role (registrar only)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from case" -f -a "close" -d 'Close a case: no new deposits; reading still works (mediator or registrar)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "verify" -d 'Check an archive with no vault and no key: every member, every signature, the log'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "show" -d 'Describe an archive: parties, dates, retention, documents (no confidential data); with --ledger, also who released shares, opened it or destroyed it'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "release" -d 'Release your escrow share (as a custodian, -i) to a requester\'s card'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "open" -d 'Open an archive with enough released shares (you, -i, are the requester)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from archive" -f -a "destroy" -d 'Destroy an archive\'s key material after its retention date (the archivist)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from receipt" -f -a "verify" -d 'Check a receipt: its inclusion proof and checkpoint signature, and that the vault\'s current log still contains it, unrewritten (consistency proof)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from receipt" -f -a "get" -d 'Fetch the receipt of a log entry again (e.g. if writing it failed)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from checkpoint" -f -a "show" -d 'Print the case\'s checkpoint as you verify it now, signed by the vault\'s log key: send it to the other members (it holds no confidential data)'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from checkpoint" -f -a "check" -d 'Check a checkpoint another member sent you against the log the vault shows you: it must be signed by the vault\'s log key and be a prefix of your log'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "backup" -d 'Copy the vault (--vault) to a new folder, consistently, and check the copy'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "restore" -d 'Make a vault (--vault) from a backup, checking the backup first and the result after'
complete -c sealroom -n "__fish_sealroom_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "copy" -d 'Copy a whole vault to other storage: a vault folder, or PostgreSQL and an S3-compatible bucket (a scale-out vault), either way'
