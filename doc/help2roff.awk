# Turns the text of `rrt help COMMAND` into a man page, so the manual and the
# built-in help are one text. POSIX awk (Debian's default is mawk).
#
# Input: a command's help: section titles at column 0 (NAME, SYNOPSIS, ...),
# bodies indented by two spaces. With -v top=1, the top-level `rrt help`
# ("Usage: ...", prose, "Commands:", a list, prose, then sections), which is
# first rewritten into that shape. Variables: page (rrt-record), version
# ("rrt 0.1.0"), date, desc (NAME line of the top page), commands (all
# command names, for SEE ALSO).
#
# How body text is read (what makes the help text render well):
#   - SYNOPSIS and EXAMPLES are kept line for line;
#   - "TAG  description" (two or more spaces), an option line ("-o, --output
#     FILE  description", a single space is enough when what follows is not
#     an option or an upper-case metavariable), or a line followed by more
#     deeply indented lines starts a tagged item (.TP); deeper lines continue
#     it. Inside a paragraph every line is text, whatever it starts with;
#   - "- text" indented under a paragraph is a bullet;
#   - other indented lines under a paragraph are kept line for line (examples);
#   - `quoted` spans are set in bold.

function fail(msg) {
    printf "help2roff: %s: %s\n", page, msg > "/dev/stderr"
    exit 1
}

# Escapes text for roff: backslashes, hyphens (as minus signs, so options
# can be copied), and a leading control character.
function esc(s,    out, i, c) {
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\")
            out = out "\\e"
        else if (c == "-")
            out = out "\\-"
        else
            out = out c
    }
    if (out ~ /^[.']/)
        out = "\\&" out
    return out
}

# esc(), then `span` -> bold span. A span may continue on the next line of
# the same block (bq stays set); new_block() forgets an unclosed one.
function text(s,    out, i) {
    s = esc(s)
    out = bq ? "\\fB" : ""
    while ((i = index(s, "`")) > 0) {
        out = out substr(s, 1, i - 1) (bq ? "\\fR" : "\\fB")
        bq = !bq
        s = substr(s, i + 1)
    }
    return out s (bq ? "\\fR" : "")
}

function new_block() {
    bq = 0
}

function indent_of(s) {
    match(s, /^ */)
    return RLENGTH
}

function is_opt_word(w) {
    sub(/,$/, "", w)
    if (w ~ /^--?[A-Za-z0-9?][-A-Za-z0-9]*(\[?=[A-Za-z0-9_|-]+\]?)?$/)
        return 1
    return w ~ /^\[?[A-Z][A-Z0-9_|.=-]*\]?$/
}

# Length of the option part of an option line ("-o, --output FILE"), the
# rest being its description.
function opt_tag_len(t,    pos, rest, w) {
    pos = 0
    rest = t
    while (rest != "") {
        w = rest
        if (match(rest, / /))
            w = substr(rest, 1, RSTART - 1)
        if (pos > 0 && !is_opt_word(w))
            return pos - 1
        pos += length(w)
        rest = substr(rest, length(w) + 1)
        if (rest == "" || rest ~ /^  /)
            return pos
        pos += 1
        rest = substr(rest, 2)
    }
    return pos
}

# An option tag: option names bold, metavariables italic.
function opt_tag(t,    out, i, c, word, in_meta) {
    out = ""
    in_meta = 0
    for (i = 1; i <= length(t); i++) {
        c = substr(t, i, 1)
        if (c == "-" && (i == 1 || substr(t, i - 1, 1) == " ")) {
            match(substr(t, i), /^--?[A-Za-z0-9?][-A-Za-z0-9]*/)
            word = substr(t, i, RLENGTH)
            out = out "\\fB" esc(word) "\\fR"
            i += RLENGTH - 1
        } else if (c ~ /[A-Z0-9_]/ || (in_meta && c == "-")) {
            if (!in_meta)
                out = out "\\fI"
            in_meta = 1
            out = out esc(c)
        } else {
            if (in_meta)
                out = out "\\fR"
            in_meta = 0
            out = out esc(c)
        }
    }
    if (in_meta)
        out = out "\\fR"
    return out
}

# Leaves the current block so that a new one can start.
function close_verbatim() {
    if (state == "verb") {
        print ".fi"
        print ".RE"
        state = "prose"
    }
}

function start_item(tag, desc, is_opt) {
    close_verbatim()
    new_block()
    print ".TP"
    print (is_opt ? opt_tag(tag) : "\\fB" esc(tag) "\\fR")
    if (desc != "")
        print text(desc)
    state = "item"
}

function body_line(i,    s, ind, t, n, next_ind, tl) {
    s = B[i]
    if (s ~ /^ *$/) {
        close_verbatim()
        if (state != "none" && state != "fresh")
            state = "gap"
        return
    }
    ind = indent_of(s)
    t = substr(s, ind + 1)
    next_ind = (i < nb && B[i + 1] !~ /^ *$/) ? indent_of(B[i + 1]) : -1
    if (ind == 0) {
        if (state == "verb") {
            close_verbatim()
            print text(t)
            return
        }
        if (state != "prose") {
            if (t ~ /^-/) {
                tl = opt_tag_len(t)
                n = substr(t, tl + 1)
                sub(/^ +/, "", n)
                start_item(substr(t, 1, tl), n, 1)
                return
            }
            if (match(t, /  +/)) {
                start_item(substr(t, 1, RSTART - 1), substr(t, RSTART + RLENGTH), 0)
                return
            }
            if (next_ind > 0 && substr(B[i + 1], next_ind + 1, 2) != "- ") {
                start_item(t, "", 0)
                return
            }
            if (state != "fresh")
                print ".PP"
            new_block()
            state = "prose"
        }
        print text(t)
        return
    }
    if (t ~ /^- /) {
        close_verbatim()
        new_block()
        print ".IP \\(bu 2"
        print text(substr(t, 3))
        state = "bullet"
        bullet_ind = ind
        return
    }
    if (state == "item" || (state == "bullet" && ind > bullet_ind)) {
        print text(t)
        return
    }
    if (state != "verb") {
        if (state == "bullet")
            print ".PP"
        print ".RS 4"
        print ".nf"
        state = "verb"
        verb_ind = ind
    }
    print esc(substr(s, (ind < verb_ind ? ind : verb_ind) + 1))
}

function verbatim_section(bold_command,    i, s, w) {
    print ".nf"
    for (i = 1; i <= nb; i++) {
        s = B[i]
        if (s ~ /^ *$/)
            continue
        sub(/^ +/, "", s)
        if (bold_command && match(s, /^rrt( [a-z][a-z0-9-]*)?/)) {
            w = substr(s, 1, RLENGTH)
            s = "\\fB" esc(w) "\\fR" esc(substr(s, RLENGTH + 1))
        } else {
            s = esc(s)
        }
        print s
    }
    print ".fi"
}

function name_section(    i, s, all, p, name) {
    all = ""
    for (i = 1; i <= nb; i++) {
        s = B[i]
        sub(/^ +/, "", s)
        if (s != "")
            all = (all == "" ? s : all " " s)
    }
    p = index(all, " - ")
    if (p == 0)
        fail("NAME is not \"rrt COMMAND - what it does\"")
    name = substr(all, 1, p - 1)
    gsub(/ /, "-", name)
    if (name != page)
        fail("NAME says " name)
    print esc(name) " \\- " esc(substr(all, p + 3))
    saw_name = 1
}

function section(title,    i) {
    print ".SH \"" esc(title) "\""
    if (title == "NAME")
        name_section()
    else if (title == "SYNOPSIS")
        verbatim_section(1)
    else if (title == "EXAMPLES") {
        print ".RS 4"
        verbatim_section(0)
        print ".RE"
    } else {
        state = "fresh"
        new_block()
        for (i = 1; i <= nb; i++)
            body_line(i)
        close_verbatim()
    }
}

function flush_section() {
    if (title != "")
        section(title)
    nb = 0
}

# The top-level help, rewritten as a sectioned help.
function normalize_top(    i, s, mode, d1, d2, cmds, rest, k) {
    mode = "pre"
    n_doc = 0
    d1 = d2 = cmds = 0
    for (i = 1; i <= n_in; i++) {
        s = IN[i]
        if (mode == "rest") {
            DOC[++n_doc] = s
            continue
        }
        if (s ~ /^Usage: /) {
            usage = substr(s, 8)
        } else if (s ~ /^Commands:/) {
            mode = "cmds"
        } else if (mode == "cmds" && s ~ /^  /) {
            CMD_LINE[++cmds] = s
        } else if (s ~ /^ *$/) {
            if (mode == "cmds")
                mode = "tail"
            else if (mode == "pre" && d1 > 0)
                D1[++d1] = ""
            else if (mode == "tail" && d2 > 0)
                D2[++d2] = ""
        } else if (s ~ /^[A-Z][A-Z ]*$/) {
            mode = "rest"
            DOC[++n_doc] = s
        } else if (mode == "pre") {
            D1[++d1] = "  " s
        } else {
            D2[++d2] = "  " s
        }
    }
    if (usage == "" || cmds == 0)
        fail("top-level help has no \"Usage:\" line or no \"Commands:\" list")
    k = 0
    TOP[++k] = "NAME"
    TOP[++k] = "  rrt - " desc
    TOP[++k] = "SYNOPSIS"
    TOP[++k] = "  " usage
    TOP[++k] = "DESCRIPTION"
    for (i = 1; i <= d1; i++)
        TOP[++k] = D1[i]
    TOP[++k] = ""
    for (i = 1; i <= d2; i++)
        TOP[++k] = D2[i]
    TOP[++k] = "COMMANDS"
    for (i = 1; i <= cmds; i++)
        TOP[++k] = CMD_LINE[i]
    for (i = 1; i <= n_doc; i++)
        TOP[++k] = DOC[i]
    n_in = k
    for (i = 1; i <= k; i++)
        IN[i] = TOP[i]
}

{ IN[++n_in] = $0 }

END {
    if (top)
        normalize_top()
    printf ".TH \"%s\" 1 \"%s\" \"%s\" \"rrt Manual\"\n", toupper(esc(page)), date, esc(version)
    title = ""
    nb = 0
    for (j = 1; j <= n_in; j++) {
        if (IN[j] ~ /^[^ ]/) {
            flush_section()
            title = IN[j]
        } else if (title != "") {
            s = IN[j]
            sub(/^  ?/, "", s)
            B[++nb] = s
        }
    }
    flush_section()
    if (!saw_name)
        fail("no NAME section")
    print ".SH \"SEE ALSO\""
    nc = split(commands, C, " ")
    if (top) {
        for (j = 1; j <= nc; j++)
            printf "\\fBrrt\\-%s\\fR(1)%s\n", esc(C[j]), (j < nc ? "," : "")
    } else {
        print "\\fBrrt\\fR(1)"
    }
}
