"""Modal dialogs: host form, bulk add, confirmations, kk's prompt, profile picker, save as."""
