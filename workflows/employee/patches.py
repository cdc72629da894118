"""`workflow.patched` ids of the employee workflow, in one place. Keep every one: running
histories depend on them (a patch is retired only once no history before it can replay)."""

AUDIT_DECISIONS_PATCH = "audit-reviews-and-ops"
ANNOUNCE_CHANGES_PATCH = "announce-only-okta-changes"
QUIET_DRIFT_PATCH = "no-access-notice-for-drift-repair"
PATCH_PROFILE_ON_LEAVE = "profile-on-leave"
PATCH_CONVERGE_NEW_PLAN = "converge-every-new-plan"
PATCH_ALERT_UNSUSPENDED_LEAVE = "alert-when-leave-cannot-suspend"
PATCH_DEPROVISION_RECHECK = "deprovision-recheck-in-main-loop"
PATCH_REHIRE_EMAIL_AFTER_PROFILE = "rehire-activation-email-after-profile"
PATCH_MASS_CHANGE_GUARD = "mass-change-guard"
PATCH_GENERATE_LOGIN = "generate-login"
