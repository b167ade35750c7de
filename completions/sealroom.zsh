#compdef sealroom

autoload -U is-at-least

_sealroom() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_sealroom_commands" \
"*::: :->sealroom" \
&& ret=0
    case $state in
    (sealroom)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
'--database=[A scale-out vault'\''s records\: an empty PostgreSQL database (postgres\://USER\[\:PASSWORD\]@HOST\[\:PORT\]/DATABASE)]:URL:_default' \
'--blobs=[A scale-out vault'\''s bodies\: s3\://BUCKET\[/PREFIX\] (the bucket must exist)]:URL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(keygen)
_arguments "${_arguments_options[@]}" : \
'--name=[Your name as it will appear in cases]:NAME:_default' \
'-o+[Where to write the identity (must not exist)]:FILE:_files' \
'--output=[Where to write the identity (must not exist)]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--no-passphrase[Write the identity unencrypted (for automation, like \`age-keygen\`)]' \
'(--no-passphrase)--allow-weak-passphrase[Accept a passphrase the strength check finds easy to guess]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(passwd)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--no-passphrase[Remove the passphrase (the file is then readable by anyone who can read it)]' \
'(--no-passphrase)--allow-weak-passphrase[Accept a new passphrase the strength check finds easy to guess]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(card)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(unlock)
_arguments "${_arguments_options[@]}" : \
'--for=[How long to keep it open (e.g. 15m, 1h; at most 24h)]:DURATION:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(lock)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(case)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_sealroom__subcmd__case_commands" \
"*::: :->case" \
&& ret=0

    case $state in
    (case)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-case-command-$line[1]:"
        case $line[1] in
            (open)
_arguments "${_arguments_options[@]}" : \
'*--mediator=[A mediator'\''s card (repeat for co-mediators)]:CARD:_files' \
'*--party=[A party member\: LABEL=CARD (repeat a label for co-counsel)]:LABEL=CARD:_default' \
'--archivist=[The archivist'\''s card]:CARD:_files' \
'*--custodian=[A custodian'\''s card (repeat; holds one share of the escrow key)]:CARD:_files' \
'--threshold=[How many custodians must join to open the archive]:M:_default' \
'--policy=[Disclosure policy]:POLICY:((consent\:"Disclosure by a mediator needs the owner party'\''s signed consent (ICSID r.17(4))"
discretion\:"The mediator may disclose except caucus and confidential deposits (UNCITRAL art. 8)"))' \
'--title=[A public title for the case]:TITLE:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':reference -- Case reference (letters, digits, - _ . / \:):_default' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(join)
_arguments "${_arguments_options[@]}" : \
'(--registrar)--charter=[The charter fingerprint from the registrar (64 hex digits; spaces allowed)]:FP:_default' \
'--registrar=[With an invitation\: the registrar'\''s card you trust; the invitation must be signed by it]:CARD:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'(--charter --registrar)--trust-on-first-use[Pin whatever charter the vault shows now, unchecked (a warning is printed)\: only if you cannot get the fingerprint and accept that a vault operator could have replaced the case]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference, or an invitation file from the registrar:_default' \
&& ret=0
;;
(invite)
_arguments "${_arguments_options[@]}" : \
'--to=[The member'\''s card]:CARD:_files' \
'-o+[Where to write the invitation (never overwritten)]:FILE:_files' \
'--output=[Where to write the invitation (never overwritten)]:FILE:_files' \
'--location=[Where members reach the vault, as the invitation names it (default\: this vault'\''s folder)]:LOCATION:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(add-member)
_arguments "${_arguments_options[@]}" : \
'--party=[A new party member\: LABEL=CARD]:LABEL=CARD:_default' \
'--mediator=[A new mediator'\''s card]:CARD:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(remove-member)
_arguments "${_arguments_options[@]}" : \
'--party=[The party member to remove\: LABEL=CARD]:LABEL=CARD:_default' \
'--mediator=[The mediator to remove (their card)]:CARD:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--rekey[Also re-encrypt the documents they could read (those you can read) away from their key]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(replace-member)
_arguments "${_arguments_options[@]}" : \
'--old=[The card of the identity to replace]:CARD:_files' \
'--new=[The card of the new identity]:CARD:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(close)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__case__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-case-help-command-$line[1]:"
        case $line[1] in
            (open)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(join)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(invite)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(add-member)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(remove-member)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(replace-member)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(close)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(deposit)
_arguments "${_arguments_options[@]}" : \
'--category=[caucus, brief, evidence, settlement, procedural or mediator-note]:CATEGORY:((caucus\:"your party and the mediators; disclosed only with consent"
brief\:"your party and the mediators"
evidence\:"your party and the mediators"
settlement\:"every party, the mediators and the archivist"
procedural\:"everyone in the case"
mediator-note\:"the mediators only"))' \
'--title=[A title (encrypted; defaults to the file name)]:TITLE:_default' \
'--as-party=[The party you deposit for, if you belong to several]:LABEL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--confidential[Disclosure always needs your party'\''s consent, whatever the case policy]' \
'--share-with-all[Briefs and evidence\: readable by every party at once]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':reference -- Case reference:_default' \
':file -- The file to deposit (`-` for standard input):_files' \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
'--party=[Only this party'\''s documents (log\: entries by its members or about its documents)]:LABEL:_default' \
'--category=[Only documents of this category (log\: entries about them)]:CATEGORY:((caucus\:"your party and the mediators; disclosed only with consent"
brief\:"your party and the mediators"
evidence\:"your party and the mediators"
settlement\:"every party, the mediators and the archivist"
procedural\:"everyone in the case"
mediator-note\:"the mediators only"))' \
'--actor=[Only what this member did\: their name, or the start of their fingerprint (hex)]:NAME|FPR:_default' \
'--since=[Only from this day (YYYY-MM-DD) or time (RFC 3339) on]:DATE:_default' \
'--until=[Only up to this day (included) or time]:DATE:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(read)
_arguments "${_arguments_options[@]}" : \
'-o+[Write to this file instead of standard output]:FILE:_files' \
'--output=[Write to this file instead of standard output]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--force[Replace an existing -o FILE; without -o, write a document that is not text to the terminal anyway]' \
'--sync[Flush -o FILE to the disk before giving it its name, so that it survives a power cut (slower; the vault keeps the document either way)]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':num -- Document number, `4` or `#4`:_default' \
&& ret=0
;;
(consent)
_arguments "${_arguments_options[@]}" : \
'--to=[The party the document may go to, or \`external\` for an export]:LABEL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':num -- Document number, `4` or `#4`:_default' \
&& ret=0
;;
(disclose)
_arguments "${_arguments_options[@]}" : \
'--to=[The receiving party]:LABEL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':num -- Document number, `4` or `#4`:_default' \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
'--from=[The party whose access is removed (\`external\`\: withdraw a consent to export)]:LABEL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--rekey[Also re-encrypt the document under a new key for those who keep access]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':num -- Document number, `4` or `#4`:_default' \
&& ret=0
;;
(export)
_arguments "${_arguments_options[@]}" : \
'--recipient=[The recipient to encrypt to\: an age recipient (\`age1…\`) or an SSH public key line (\`ssh-ed25519 …\`, \`ssh-rsa …\`)]:AGE_RECIPIENT:_default' \
'-o+[Where to write the age file]:FILE:_files' \
'--output=[Where to write the age file]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--force[Replace FILE if it exists]' \
'--sync[Flush FILE to the disk before giving it its name, so that it survives a power cut (slower)]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':num -- Document number, `4` or `#4`:_default' \
&& ret=0
;;
(grant)
_arguments "${_arguments_options[@]}" : \
'--to-member=[The member'\''s card]:CARD:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--all[Every document you can read that they are entitled to]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
'*::nums -- Document numbers, `4` or `#4`:_default' \
&& ret=0
;;
(rekey)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--all[Every document you can read that a removed member could read]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
'*::nums -- Document numbers, `4` or `#4`:_default' \
&& ret=0
;;
(seal)
_arguments "${_arguments_options[@]}" : \
'--retain-until=[Last day the archive must be kept (YYYY-MM-DD)]:YYYY-MM-DD:_default' \
'-o+[Where to write the archive (must not exist)]:ARCHIVE:_files' \
'--output=[Where to write the archive (must not exist)]:ARCHIVE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(archive)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_sealroom__subcmd__archive_commands" \
"*::: :->archive" \
&& ret=0

    case $state in
    (archive)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-archive-command-$line[1]:"
        case $line[1] in
            (verify)
_arguments "${_arguments_options[@]}" : \
'--certificate=[A destruction certificate\: its key material may then be absent]:CERTIFICATE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':archive -- The archive file:_files' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'--certificate=[A destruction certificate, for a destroyed archive]:CERTIFICATE:_files' \
'--ledger=[Also check and print the archive'\''s ledger (default file\: ARCHIVE.ledger)]::FILE:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':archive -- The archive file:_files' \
&& ret=0
;;
(release)
_arguments "${_arguments_options[@]}" : \
'--to=[The requester'\''s card]:CARD:_files' \
'-o+[Where to write the release (must not exist)]:SHARE:_files' \
'--output=[Where to write the release (must not exist)]:SHARE:_files' \
'--ledger=[The archive'\''s ledger, where the release is recorded (default\: ARCHIVE.ledger)]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':archive -- The archive file:_files' \
&& ret=0
;;
(open)
_arguments "${_arguments_options[@]}" : \
'*--share=[A share release made out to you (repeat)]:SHARE:_files' \
'-o+[The folder to create]:DIR:_files' \
'--output=[The folder to create]:DIR:_files' \
'--ledger=[The archive'\''s ledger, where the opening is recorded (default\: ARCHIVE.ledger)]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':archive -- The archive file:_files' \
&& ret=0
;;
(destroy)
_arguments "${_arguments_options[@]}" : \
'-o+[Where to write the certificate (must not exist)]:CERTIFICATE:_files' \
'--output=[Where to write the certificate (must not exist)]:CERTIFICATE:_files' \
'--ledger=[The archive'\''s ledger, where the destruction is recorded (default\: ARCHIVE.ledger)]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':archive -- The archive file (rewritten in place):_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__archive__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-archive-help-command-$line[1]:"
        case $line[1] in
            (verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(release)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(open)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(destroy)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(log)
_arguments "${_arguments_options[@]}" : \
'--party=[Only this party'\''s documents (log\: entries by its members or about its documents)]:LABEL:_default' \
'--category=[Only documents of this category (log\: entries about them)]:CATEGORY:((caucus\:"your party and the mediators; disclosed only with consent"
brief\:"your party and the mediators"
evidence\:"your party and the mediators"
settlement\:"every party, the mediators and the archivist"
procedural\:"everyone in the case"
mediator-note\:"the mediators only"))' \
'--actor=[Only what this member did\: their name, or the start of their fingerprint (hex)]:NAME|FPR:_default' \
'--since=[Only from this day (YYYY-MM-DD) or time (RFC 3339) on]:DATE:_default' \
'--until=[Only up to this day (included) or time]:DATE:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'(--refusals)--verify[Verify the whole log instead of printing it]' \
'--refusals[List the refused attempts recorded for this case instead of its history]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(receipt)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_sealroom__subcmd__receipt_commands" \
"*::: :->receipt" \
&& ret=0

    case $state in
    (receipt)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-receipt-command-$line[1]:"
        case $line[1] in
            (verify)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--offline[Check only the receipt itself, without a vault]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':file -- The receipt file:_files' \
&& ret=0
;;
(get)
_arguments "${_arguments_options[@]}" : \
'-o+[Where to write it (default\: standard output)]:FILE:_files' \
'--output=[Where to write it (default\: standard output)]:FILE:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':index -- The entry'\''s position in the case log:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__receipt__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-receipt-help-command-$line[1]:"
        case $line[1] in
            (verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(get)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(checkpoint)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_sealroom__subcmd__checkpoint_commands" \
"*::: :->checkpoint" \
&& ret=0

    case $state in
    (checkpoint)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-checkpoint-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':reference -- Case reference:_default' \
':file -- The text holding the other member'\''s checkpoint (`-` for standard input):_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__checkpoint__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-checkpoint-help-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
'--grace=[With --repair\: leave leftovers younger than this alone (\`30m\`, \`2h\`, \`1d\`; \`0\` removes all)]:AGE:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--repair[Remove unreferenced blobs and temp files (and nothing else)]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(vault)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_sealroom__subcmd__vault_commands" \
"*::: :->vault" \
&& ret=0

    case $state in
    (vault)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-vault-command-$line[1]:"
        case $line[1] in
            (backup)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':dir -- The new folder for the copy (must not exist, or be empty):_files' \
&& ret=0
;;
(restore)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':backup -- The backup folder:_files' \
&& ret=0
;;
(copy)
_arguments "${_arguments_options[@]}" : \
'--from=[The vault to copy (a vault folder, or a scale-out vault'\''s folder)]:DIR:_files' \
'--to=[The new folder for the copy (must not exist, or be empty)]:DIR:_files' \
'--database=[Make the copy a scale-out vault with its records in this empty PostgreSQL database]:URL:_default' \
'--blobs=[...and its bodies in this bucket (s3\://BUCKET\[/PREFIX\])]:URL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__vault__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-vault-help-command-$line[1]:"
        case $line[1] in
            (backup)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(restore)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(copy)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(serve)
_arguments "${_arguments_options[@]}" : \
'--listen=[Where to listen (HOST\:PORT; port 0 picks a free one) \[default\: 127.0.0.1\:8443\]]:HOST:PORT:_default' \
'--config=[A configuration file (TOML\: listen, vault, registrars, tls_cert, tls_key, database, blobs, \[limits\]); flags override it]:FILE:_files' \
'*--registrar=[The card of a registrar of the institution, who may open cases (repeatable)]:CARD:_files' \
'--tls-cert=[The certificate chain (PEM) to serve]:FILE:_files' \
'--tls-key=[The key (PEM) of --tls-cert]:FILE:_files' \
'--database=[Serve a scale-out vault whose records are in this PostgreSQL database (in place of what the vault folder'\''s backends.toml names)]:URL:_default' \
'--blobs=[... and whose bodies are in this bucket\: s3\://BUCKET\[/PREFIX\]]:URL:_default' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'(--tls-cert --tls-key)--plain-http[Serve plain HTTP, only on a loopback address (behind a TLS-terminating proxy on the same machine)]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
':shell -- The shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(demo)
_arguments "${_arguments_options[@]}" : \
'--dir=[Folder for the demo'\''s vault and identities (default\: a temporary folder)]:DIR:_files' \
'--vault=[The vault\: a folder, or a vault service'\''s address (https\://HOST\[\:PORT\])]:DIR|URL:_files' \
'--server-pin=[The key pin of the vault service (sha256//…, as \`sealroom serve\` prints it); needed once, until it is kept in your member state (joining from an invitation keeps it)]:PIN:_default' \
'-i+[Your identity file\: who is acting]:FILE:_files' \
'--identity=[Your identity file\: who is acting]:FILE:_files' \
'--receipt=[Write the receipt of this act to FILE (default\: your receipts folder, \$XDG_STATE_HOME/sealroom/receipts/)]:FILE:_files' \
'--remote[Serve the vault on 127.0.0.1 (HTTPS, a self-signed key pinned) and have every person reach it across the network, as members abroad do]' \
'--json[Print one JSON document on stdout instead of text]' \
'-v[On failure, also print the chain of causes]' \
'--verbose[On failure, also print the chain of causes]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-help-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(keygen)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(passwd)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(card)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(unlock)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(lock)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(case)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__help__subcmd__case_commands" \
"*::: :->case" \
&& ret=0

    case $state in
    (case)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-help-case-command-$line[1]:"
        case $line[1] in
            (open)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(join)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(invite)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(add-member)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(remove-member)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(replace-member)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(close)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(deposit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(read)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(consent)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(disclose)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(revoke)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(export)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(grant)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rekey)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(seal)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(archive)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__help__subcmd__archive_commands" \
"*::: :->archive" \
&& ret=0

    case $state in
    (archive)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-help-archive-command-$line[1]:"
        case $line[1] in
            (verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(release)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(open)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(destroy)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(log)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(receipt)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__help__subcmd__receipt_commands" \
"*::: :->receipt" \
&& ret=0

    case $state in
    (receipt)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-help-receipt-command-$line[1]:"
        case $line[1] in
            (verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(get)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(checkpoint)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__help__subcmd__checkpoint_commands" \
"*::: :->checkpoint" \
&& ret=0

    case $state in
    (checkpoint)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-help-checkpoint-command-$line[1]:"
        case $line[1] in
            (show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(check)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(vault)
_arguments "${_arguments_options[@]}" : \
":: :_sealroom__subcmd__help__subcmd__vault_commands" \
"*::: :->vault" \
&& ret=0

    case $state in
    (vault)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:sealroom-help-vault-command-$line[1]:"
        case $line[1] in
            (backup)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(restore)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(copy)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(serve)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(demo)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_sealroom_commands] )) ||
_sealroom_commands() {
    local commands; commands=(
'init:Make a new, empty vault (never touches an existing one)' \
'keygen:Make a new identity file and print its card' \
'passwd:Change, add or remove the passphrase of an identity file (-i FILE), in place' \
'card:Print the card (public half) of an identity' \
'unlock:Keep a passphrase-protected identity open for a while (in the kernel keyring, never on disk), so later commands do not ask for the passphrase' \
'lock:Forget an identity kept open by \`unlock\`' \
'case:Open, inspect, change and close cases' \
'deposit:Deposit a document in a case; prints its number \`#N\`' \
'list:List the documents of a case you can read, titles decrypted' \
'read:Read a document\: checks the depositor'\''s signature and the body'\''s hash' \
'consent:Consent, as a member of the owner party, to a document going to another party (or, with \`--to external\`, leaving the case by export)' \
'disclose:Give every member of a party access to a document, as the case'\''s rules allow' \
'revoke:Remove a party'\''s access to a document (an owner-party member or a mediator)' \
'export:Export a document as a standard age file for an outside recipient (its owner party, or a mediator as the case'\''s rules allow)' \
'grant:Give one member access to documents they are entitled to (a current reader)\: later co-counsel, a replacement identity, a newcomer to a party that was disclosed a document' \
'rekey:Re-encrypt documents under new keys for their readers who are still members, so keys kept by removed members open nothing current (a current reader)' \
'seal:Seal a closed case into one archive file (the archivist)' \
'archive:Verify, show, release, open and destroy sealed archives' \
'log:Show a case'\''s history; with --verify, check the whole log' \
'receipt:Check or fetch receipts' \
'checkpoint:Show or check a case'\''s checkpoint\: what members compare to catch a vault that shows them different histories' \
'doctor:Check the whole vault\: database, every blob'\''s hash, references, every case log and the vault'\''s records of refused attempts' \
'vault:Back up or restore a whole vault (the operator)' \
'serve:Serve the vault (--vault DIR) to members across the network, over HTTPS' \
'completions:Print shell completions, generated from this command line'\''s own definition' \
'man:Print the manual page (roff), generated from this command line'\''s own definition' \
'demo:Run a whole small case end to end in a fresh vault, narrating each step' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive_commands] )) ||
_sealroom__subcmd__archive_commands() {
    local commands; commands=(
'verify:Check an archive with no vault and no key\: every member, every signature, the log' \
'show:Describe an archive\: parties, dates, retention, documents (no confidential data); with --ledger, also who released shares, opened it or destroyed it' \
'release:Release your escrow share (as a custodian, -i) to a requester'\''s card' \
'open:Open an archive with enough released shares (you, -i, are the requester)' \
'destroy:Destroy an archive'\''s key material after its retention date (the archivist)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom archive commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__destroy_commands] )) ||
_sealroom__subcmd__archive__subcmd__destroy_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive destroy commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help_commands] )) ||
_sealroom__subcmd__archive__subcmd__help_commands() {
    local commands; commands=(
'verify:Check an archive with no vault and no key\: every member, every signature, the log' \
'show:Describe an archive\: parties, dates, retention, documents (no confidential data); with --ledger, also who released shares, opened it or destroyed it' \
'release:Release your escrow share (as a custodian, -i) to a requester'\''s card' \
'open:Open an archive with enough released shares (you, -i, are the requester)' \
'destroy:Destroy an archive'\''s key material after its retention date (the archivist)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom archive help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help__subcmd__destroy_commands] )) ||
_sealroom__subcmd__archive__subcmd__help__subcmd__destroy_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive help destroy commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help__subcmd__help_commands] )) ||
_sealroom__subcmd__archive__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive help help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help__subcmd__open_commands] )) ||
_sealroom__subcmd__archive__subcmd__help__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive help open commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help__subcmd__release_commands] )) ||
_sealroom__subcmd__archive__subcmd__help__subcmd__release_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive help release commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help__subcmd__show_commands] )) ||
_sealroom__subcmd__archive__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive help show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__help__subcmd__verify_commands] )) ||
_sealroom__subcmd__archive__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive help verify commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__open_commands] )) ||
_sealroom__subcmd__archive__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive open commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__release_commands] )) ||
_sealroom__subcmd__archive__subcmd__release_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive release commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__show_commands] )) ||
_sealroom__subcmd__archive__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__archive__subcmd__verify_commands] )) ||
_sealroom__subcmd__archive__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom archive verify commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__card_commands] )) ||
_sealroom__subcmd__card_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom card commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case_commands] )) ||
_sealroom__subcmd__case_commands() {
    local commands; commands=(
'open:Open a case; you (-i) become its registrar and sign its charter' \
'show:Show a case\: state, policy, members' \
'list:List the cases in the vault' \
'join:Join a case\: check its charter against the fingerprint the registrar gave you (or against the invitation the registrar signed), and pin it on this machine' \
'invite:Invite a member to a case (registrar only)\: a signed file with everything their machine pins when they join' \
'add-member:Add a party member or a mediator (registrar only)' \
'remove-member:Remove a party member or a mediator (registrar only)\: no new wraps, grants or acts for them from now on' \
'replace-member:Replace a lost or compromised identity by a new one in the same role (registrar only)' \
'close:Close a case\: no new deposits; reading still works (mediator or registrar)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom case commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__add-member_commands] )) ||
_sealroom__subcmd__case__subcmd__add-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case add-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__close_commands] )) ||
_sealroom__subcmd__case__subcmd__close_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case close commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help_commands] )) ||
_sealroom__subcmd__case__subcmd__help_commands() {
    local commands; commands=(
'open:Open a case; you (-i) become its registrar and sign its charter' \
'show:Show a case\: state, policy, members' \
'list:List the cases in the vault' \
'join:Join a case\: check its charter against the fingerprint the registrar gave you (or against the invitation the registrar signed), and pin it on this machine' \
'invite:Invite a member to a case (registrar only)\: a signed file with everything their machine pins when they join' \
'add-member:Add a party member or a mediator (registrar only)' \
'remove-member:Remove a party member or a mediator (registrar only)\: no new wraps, grants or acts for them from now on' \
'replace-member:Replace a lost or compromised identity by a new one in the same role (registrar only)' \
'close:Close a case\: no new deposits; reading still works (mediator or registrar)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom case help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__add-member_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__add-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help add-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__close_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__close_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help close commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__help_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__invite_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__invite_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help invite commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__join_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__join_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help join commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__list_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help list commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__open_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help open commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__remove-member_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__remove-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help remove-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__replace-member_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__replace-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help replace-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__help__subcmd__show_commands] )) ||
_sealroom__subcmd__case__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case help show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__invite_commands] )) ||
_sealroom__subcmd__case__subcmd__invite_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case invite commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__join_commands] )) ||
_sealroom__subcmd__case__subcmd__join_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case join commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__list_commands] )) ||
_sealroom__subcmd__case__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case list commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__open_commands] )) ||
_sealroom__subcmd__case__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case open commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__remove-member_commands] )) ||
_sealroom__subcmd__case__subcmd__remove-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case remove-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__replace-member_commands] )) ||
_sealroom__subcmd__case__subcmd__replace-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case replace-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__case__subcmd__show_commands] )) ||
_sealroom__subcmd__case__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom case show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint_commands] )) ||
_sealroom__subcmd__checkpoint_commands() {
    local commands; commands=(
'show:Print the case'\''s checkpoint as you verify it now, signed by the vault'\''s log key\: send it to the other members (it holds no confidential data)' \
'check:Check a checkpoint another member sent you against the log the vault shows you\: it must be signed by the vault'\''s log key and be a prefix of your log' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom checkpoint commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint__subcmd__check_commands] )) ||
_sealroom__subcmd__checkpoint__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom checkpoint check commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint__subcmd__help_commands] )) ||
_sealroom__subcmd__checkpoint__subcmd__help_commands() {
    local commands; commands=(
'show:Print the case'\''s checkpoint as you verify it now, signed by the vault'\''s log key\: send it to the other members (it holds no confidential data)' \
'check:Check a checkpoint another member sent you against the log the vault shows you\: it must be signed by the vault'\''s log key and be a prefix of your log' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom checkpoint help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint__subcmd__help__subcmd__check_commands] )) ||
_sealroom__subcmd__checkpoint__subcmd__help__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom checkpoint help check commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint__subcmd__help__subcmd__help_commands] )) ||
_sealroom__subcmd__checkpoint__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom checkpoint help help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint__subcmd__help__subcmd__show_commands] )) ||
_sealroom__subcmd__checkpoint__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom checkpoint help show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__checkpoint__subcmd__show_commands] )) ||
_sealroom__subcmd__checkpoint__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom checkpoint show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__completions_commands] )) ||
_sealroom__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom completions commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__consent_commands] )) ||
_sealroom__subcmd__consent_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom consent commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__demo_commands] )) ||
_sealroom__subcmd__demo_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom demo commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__deposit_commands] )) ||
_sealroom__subcmd__deposit_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom deposit commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__disclose_commands] )) ||
_sealroom__subcmd__disclose_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom disclose commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__doctor_commands] )) ||
_sealroom__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom doctor commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__export_commands] )) ||
_sealroom__subcmd__export_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom export commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__grant_commands] )) ||
_sealroom__subcmd__grant_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom grant commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help_commands] )) ||
_sealroom__subcmd__help_commands() {
    local commands; commands=(
'init:Make a new, empty vault (never touches an existing one)' \
'keygen:Make a new identity file and print its card' \
'passwd:Change, add or remove the passphrase of an identity file (-i FILE), in place' \
'card:Print the card (public half) of an identity' \
'unlock:Keep a passphrase-protected identity open for a while (in the kernel keyring, never on disk), so later commands do not ask for the passphrase' \
'lock:Forget an identity kept open by \`unlock\`' \
'case:Open, inspect, change and close cases' \
'deposit:Deposit a document in a case; prints its number \`#N\`' \
'list:List the documents of a case you can read, titles decrypted' \
'read:Read a document\: checks the depositor'\''s signature and the body'\''s hash' \
'consent:Consent, as a member of the owner party, to a document going to another party (or, with \`--to external\`, leaving the case by export)' \
'disclose:Give every member of a party access to a document, as the case'\''s rules allow' \
'revoke:Remove a party'\''s access to a document (an owner-party member or a mediator)' \
'export:Export a document as a standard age file for an outside recipient (its owner party, or a mediator as the case'\''s rules allow)' \
'grant:Give one member access to documents they are entitled to (a current reader)\: later co-counsel, a replacement identity, a newcomer to a party that was disclosed a document' \
'rekey:Re-encrypt documents under new keys for their readers who are still members, so keys kept by removed members open nothing current (a current reader)' \
'seal:Seal a closed case into one archive file (the archivist)' \
'archive:Verify, show, release, open and destroy sealed archives' \
'log:Show a case'\''s history; with --verify, check the whole log' \
'receipt:Check or fetch receipts' \
'checkpoint:Show or check a case'\''s checkpoint\: what members compare to catch a vault that shows them different histories' \
'doctor:Check the whole vault\: database, every blob'\''s hash, references, every case log and the vault'\''s records of refused attempts' \
'vault:Back up or restore a whole vault (the operator)' \
'serve:Serve the vault (--vault DIR) to members across the network, over HTTPS' \
'completions:Print shell completions, generated from this command line'\''s own definition' \
'man:Print the manual page (roff), generated from this command line'\''s own definition' \
'demo:Run a whole small case end to end in a fresh vault, narrating each step' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__archive_commands] )) ||
_sealroom__subcmd__help__subcmd__archive_commands() {
    local commands; commands=(
'verify:Check an archive with no vault and no key\: every member, every signature, the log' \
'show:Describe an archive\: parties, dates, retention, documents (no confidential data); with --ledger, also who released shares, opened it or destroyed it' \
'release:Release your escrow share (as a custodian, -i) to a requester'\''s card' \
'open:Open an archive with enough released shares (you, -i, are the requester)' \
'destroy:Destroy an archive'\''s key material after its retention date (the archivist)' \
    )
    _describe -t commands 'sealroom help archive commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__archive__subcmd__destroy_commands] )) ||
_sealroom__subcmd__help__subcmd__archive__subcmd__destroy_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help archive destroy commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__archive__subcmd__open_commands] )) ||
_sealroom__subcmd__help__subcmd__archive__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help archive open commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__archive__subcmd__release_commands] )) ||
_sealroom__subcmd__help__subcmd__archive__subcmd__release_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help archive release commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__archive__subcmd__show_commands] )) ||
_sealroom__subcmd__help__subcmd__archive__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help archive show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__archive__subcmd__verify_commands] )) ||
_sealroom__subcmd__help__subcmd__archive__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help archive verify commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__card_commands] )) ||
_sealroom__subcmd__help__subcmd__card_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help card commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case_commands] )) ||
_sealroom__subcmd__help__subcmd__case_commands() {
    local commands; commands=(
'open:Open a case; you (-i) become its registrar and sign its charter' \
'show:Show a case\: state, policy, members' \
'list:List the cases in the vault' \
'join:Join a case\: check its charter against the fingerprint the registrar gave you (or against the invitation the registrar signed), and pin it on this machine' \
'invite:Invite a member to a case (registrar only)\: a signed file with everything their machine pins when they join' \
'add-member:Add a party member or a mediator (registrar only)' \
'remove-member:Remove a party member or a mediator (registrar only)\: no new wraps, grants or acts for them from now on' \
'replace-member:Replace a lost or compromised identity by a new one in the same role (registrar only)' \
'close:Close a case\: no new deposits; reading still works (mediator or registrar)' \
    )
    _describe -t commands 'sealroom help case commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__add-member_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__add-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case add-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__close_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__close_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case close commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__invite_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__invite_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case invite commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__join_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__join_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case join commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__list_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case list commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__open_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__open_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case open commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__remove-member_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__remove-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case remove-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__replace-member_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__replace-member_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case replace-member commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__case__subcmd__show_commands] )) ||
_sealroom__subcmd__help__subcmd__case__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help case show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__checkpoint_commands] )) ||
_sealroom__subcmd__help__subcmd__checkpoint_commands() {
    local commands; commands=(
'show:Print the case'\''s checkpoint as you verify it now, signed by the vault'\''s log key\: send it to the other members (it holds no confidential data)' \
'check:Check a checkpoint another member sent you against the log the vault shows you\: it must be signed by the vault'\''s log key and be a prefix of your log' \
    )
    _describe -t commands 'sealroom help checkpoint commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__checkpoint__subcmd__check_commands] )) ||
_sealroom__subcmd__help__subcmd__checkpoint__subcmd__check_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help checkpoint check commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__checkpoint__subcmd__show_commands] )) ||
_sealroom__subcmd__help__subcmd__checkpoint__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help checkpoint show commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__completions_commands] )) ||
_sealroom__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help completions commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__consent_commands] )) ||
_sealroom__subcmd__help__subcmd__consent_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help consent commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__demo_commands] )) ||
_sealroom__subcmd__help__subcmd__demo_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help demo commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__deposit_commands] )) ||
_sealroom__subcmd__help__subcmd__deposit_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help deposit commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__disclose_commands] )) ||
_sealroom__subcmd__help__subcmd__disclose_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help disclose commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__doctor_commands] )) ||
_sealroom__subcmd__help__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help doctor commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__export_commands] )) ||
_sealroom__subcmd__help__subcmd__export_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help export commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__grant_commands] )) ||
_sealroom__subcmd__help__subcmd__grant_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help grant commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__help_commands] )) ||
_sealroom__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__init_commands] )) ||
_sealroom__subcmd__help__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help init commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__keygen_commands] )) ||
_sealroom__subcmd__help__subcmd__keygen_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help keygen commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__list_commands] )) ||
_sealroom__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help list commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__lock_commands] )) ||
_sealroom__subcmd__help__subcmd__lock_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help lock commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__log_commands] )) ||
_sealroom__subcmd__help__subcmd__log_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help log commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__man_commands] )) ||
_sealroom__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help man commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__passwd_commands] )) ||
_sealroom__subcmd__help__subcmd__passwd_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help passwd commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__read_commands] )) ||
_sealroom__subcmd__help__subcmd__read_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help read commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__receipt_commands] )) ||
_sealroom__subcmd__help__subcmd__receipt_commands() {
    local commands; commands=(
'verify:Check a receipt\: its inclusion proof and checkpoint signature, and that the vault'\''s current log still contains it, unrewritten (consistency proof)' \
'get:Fetch the receipt of a log entry again (e.g. if writing it failed)' \
    )
    _describe -t commands 'sealroom help receipt commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__receipt__subcmd__get_commands] )) ||
_sealroom__subcmd__help__subcmd__receipt__subcmd__get_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help receipt get commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__receipt__subcmd__verify_commands] )) ||
_sealroom__subcmd__help__subcmd__receipt__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help receipt verify commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__rekey_commands] )) ||
_sealroom__subcmd__help__subcmd__rekey_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help rekey commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__revoke_commands] )) ||
_sealroom__subcmd__help__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help revoke commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__seal_commands] )) ||
_sealroom__subcmd__help__subcmd__seal_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help seal commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__serve_commands] )) ||
_sealroom__subcmd__help__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help serve commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__unlock_commands] )) ||
_sealroom__subcmd__help__subcmd__unlock_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help unlock commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__vault_commands] )) ||
_sealroom__subcmd__help__subcmd__vault_commands() {
    local commands; commands=(
'backup:Copy the vault (--vault) to a new folder, consistently, and check the copy' \
'restore:Make a vault (--vault) from a backup, checking the backup first and the result after' \
'copy:Copy a whole vault to other storage\: a vault folder, or PostgreSQL and an S3-compatible bucket (a scale-out vault), either way' \
    )
    _describe -t commands 'sealroom help vault commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__vault__subcmd__backup_commands] )) ||
_sealroom__subcmd__help__subcmd__vault__subcmd__backup_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help vault backup commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__vault__subcmd__copy_commands] )) ||
_sealroom__subcmd__help__subcmd__vault__subcmd__copy_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help vault copy commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__help__subcmd__vault__subcmd__restore_commands] )) ||
_sealroom__subcmd__help__subcmd__vault__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom help vault restore commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__init_commands] )) ||
_sealroom__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom init commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__keygen_commands] )) ||
_sealroom__subcmd__keygen_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom keygen commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__list_commands] )) ||
_sealroom__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom list commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__lock_commands] )) ||
_sealroom__subcmd__lock_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom lock commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__log_commands] )) ||
_sealroom__subcmd__log_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom log commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__man_commands] )) ||
_sealroom__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom man commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__passwd_commands] )) ||
_sealroom__subcmd__passwd_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom passwd commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__read_commands] )) ||
_sealroom__subcmd__read_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom read commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt_commands] )) ||
_sealroom__subcmd__receipt_commands() {
    local commands; commands=(
'verify:Check a receipt\: its inclusion proof and checkpoint signature, and that the vault'\''s current log still contains it, unrewritten (consistency proof)' \
'get:Fetch the receipt of a log entry again (e.g. if writing it failed)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom receipt commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt__subcmd__get_commands] )) ||
_sealroom__subcmd__receipt__subcmd__get_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom receipt get commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt__subcmd__help_commands] )) ||
_sealroom__subcmd__receipt__subcmd__help_commands() {
    local commands; commands=(
'verify:Check a receipt\: its inclusion proof and checkpoint signature, and that the vault'\''s current log still contains it, unrewritten (consistency proof)' \
'get:Fetch the receipt of a log entry again (e.g. if writing it failed)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom receipt help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt__subcmd__help__subcmd__get_commands] )) ||
_sealroom__subcmd__receipt__subcmd__help__subcmd__get_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom receipt help get commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt__subcmd__help__subcmd__help_commands] )) ||
_sealroom__subcmd__receipt__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom receipt help help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt__subcmd__help__subcmd__verify_commands] )) ||
_sealroom__subcmd__receipt__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom receipt help verify commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__receipt__subcmd__verify_commands] )) ||
_sealroom__subcmd__receipt__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom receipt verify commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__rekey_commands] )) ||
_sealroom__subcmd__rekey_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom rekey commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__revoke_commands] )) ||
_sealroom__subcmd__revoke_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom revoke commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__seal_commands] )) ||
_sealroom__subcmd__seal_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom seal commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__serve_commands] )) ||
_sealroom__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom serve commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__unlock_commands] )) ||
_sealroom__subcmd__unlock_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom unlock commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault_commands] )) ||
_sealroom__subcmd__vault_commands() {
    local commands; commands=(
'backup:Copy the vault (--vault) to a new folder, consistently, and check the copy' \
'restore:Make a vault (--vault) from a backup, checking the backup first and the result after' \
'copy:Copy a whole vault to other storage\: a vault folder, or PostgreSQL and an S3-compatible bucket (a scale-out vault), either way' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom vault commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__backup_commands] )) ||
_sealroom__subcmd__vault__subcmd__backup_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault backup commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__copy_commands] )) ||
_sealroom__subcmd__vault__subcmd__copy_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault copy commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__help_commands] )) ||
_sealroom__subcmd__vault__subcmd__help_commands() {
    local commands; commands=(
'backup:Copy the vault (--vault) to a new folder, consistently, and check the copy' \
'restore:Make a vault (--vault) from a backup, checking the backup first and the result after' \
'copy:Copy a whole vault to other storage\: a vault folder, or PostgreSQL and an S3-compatible bucket (a scale-out vault), either way' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'sealroom vault help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__help__subcmd__backup_commands] )) ||
_sealroom__subcmd__vault__subcmd__help__subcmd__backup_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault help backup commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__help__subcmd__copy_commands] )) ||
_sealroom__subcmd__vault__subcmd__help__subcmd__copy_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault help copy commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__help__subcmd__help_commands] )) ||
_sealroom__subcmd__vault__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault help help commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__help__subcmd__restore_commands] )) ||
_sealroom__subcmd__vault__subcmd__help__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault help restore commands' commands "$@"
}
(( $+functions[_sealroom__subcmd__vault__subcmd__restore_commands] )) ||
_sealroom__subcmd__vault__subcmd__restore_commands() {
    local commands; commands=()
    _describe -t commands 'sealroom vault restore commands' commands "$@"
}

if [ "$funcstack[1]" = "_sealroom" ]; then
    _sealroom "$@"
else
    compdef _sealroom sealroom
fi
