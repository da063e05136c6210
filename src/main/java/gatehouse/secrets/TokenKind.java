package gatehouse.secrets;

/** The kinds of Gatehouse secret strings and the part of their prefix after GATEHOUSE_TOKEN_PREFIX. */
public enum TokenKind {
    CLIENT_SECRET("sec"),
    AUTHORIZATION_CODE("oc"),
    ACCESS_TOKEN("ot"),
    REFRESH_TOKEN("or"),
    SESSION("ses"),
    EMAIL_VERIFICATION("ev"),
    PASSWORD_RESET("pr"),
    PUSHED_REQUEST("par"),
    DEVICE_CODE("dc"),
    INITIAL_ACCESS_TOKEN("iat"),
    REGISTRATION_ACCESS_TOKEN("rat");

    private final String suffix;

    TokenKind(String suffix) {
        this.suffix = suffix;
    }

    public String suffix() {
        return suffix;
    }
}
