"""Where Amazon is called: Login with Amazon tokens and the SP-API operations."""
