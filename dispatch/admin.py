"""No dispatch model is in the admin, on purpose: calls move only through the state machine
(dispatch/services/), which writes their events and the audit log, and every read of a
clinical note must be audited, which the admin does not do. The board, the call pages and the
audit page (/audit/) show these records. Should one be added here, make it a
coresponder.admin.SupervisorAdmin (read-only) and leave out the clinical notes."""
