"""RGPD: retention periods applied by `flask tick`, "Mes données" (export and account
deletion), the audit log of team and admin actions."""
