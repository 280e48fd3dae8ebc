#!/usr/bin/env bash
# An administrative password set with gpcgatectl passwd must force the
# holder to choose a new one at the next login (issue 5, item 3): the
# password is marked reset (ppolicy's pwdReset, with the shipped policy's
# pwdMustChange), the account stage then returns PAM_NEW_AUTHTOK_REQD.
# ppolicy marks a set as a reset only when the writer has `manage` on
# userPassword; the shipped ACL gives the provisioner `write`, so
# gpcgatectl passwd sets pwdReset itself.  The module's side, given
# pwdReset, is tested in test_pam_password.c.
. "$(dirname "$0")/../harness/lib.sh"
t_setup

U=150102-02-jb01
fx_active 1 0 || { echo "Bail out! fixture account"; exit 1; }
(umask 077 && printf 'Reset-by-bureau-%s' "$RANDOM" >"$T/adm.pw")
t_ok "gpcgatectl passwd sets a password" ctl passwd "$U" --password-file "$T/adm.pw"

reset=$(fx_ldap -b "$(fx_dn "$U")" -s base '(objectClass=*)' pwdReset | sed -n 's/^pwdReset: //p')
t_eq "the password is marked reset (pwdReset: TRUE)" "$reset" TRUE
fx_login "$U" "$(cat "$T/adm.pw")" "$(fx_code "$U")" gpcgate authenticate acct_mgmt
grep -q "successfully authenticated" "$T/pam.out"
t_report $? "the holder logs in with it" "$T/pam.out"
grep -qi "new one required" "$T/pam.out"
t_report $? "... and the account stage demands a new one (PAM_NEW_AUTHTOK_REQD)" "$T/pam.out"

# One longer than any login may send (1024 bytes) would lock the holder out.
(umask 077 && head -c 2000 /dev/zero | tr '\0' x >"$T/long.pw")
before=$(fx_ldap -b "$(fx_dn "$U")" -s base '(objectClass=*)' pwdChangedTime)
t_fails "gpcgatectl passwd refuses a password file over 1024 bytes" \
    ctl passwd "$U" --password-file "$T/long.pw"
cp "$T/t.out" "$T/said"
t_ok "... saying it is too long" grep -q "longer than 1024 bytes" "$T/said"
t_fails "... and such a password on standard input" eval 'ctl passwd "$U" <"$T/long.pw"'
cp "$T/t.out" "$T/said"
t_ok "... saying it is too long" grep -qi "too long" "$T/said"
t_eq "... and the password is unchanged" \
    "$(fx_ldap -b "$(fx_dn "$U")" -s base '(objectClass=*)' pwdChangedTime)" "$before"
t_done
