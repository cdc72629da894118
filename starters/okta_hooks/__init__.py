"""The Okta event hook receiver (`lifecycle okta-hooks`)."""
