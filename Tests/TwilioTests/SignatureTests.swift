import Testing

@testable import Twilio

/// Test vectors from telephony.md §3 (twilio-python tests).
@Suite struct SignatureTests {
    let validator = TwilioSignatureValidator(authToken: "12345")
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let params = [
        FormField("CallSid", "CA1234567890ABCDE"), FormField("Caller", "+14158675309"), FormField("Digits", "1234"),
        FormField("From", "+14158675309"), FormField("To", "+18005551212"),
    ]

    @Test func formVector() {
        #expect(validator.sign(url: url, parameters: params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(validator.sign(url: url, parameters: params.reversed()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(TwilioSignatureValidator.sign(authToken: "12345", url: url, parameters: params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(validator.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url, parameters: params))
    }

    @Test func portVector() {
        let withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
        #expect(validator.sign(url: withPort, parameters: params) == "kvajT1Ptam85bY51eRf/AJRuM3w=")
        // Port quirk: either signature is accepted for either spelling of the URL.
        #expect(validator.isValid(signature: "kvajT1Ptam85bY51eRf/AJRuM3w=", url: url, parameters: params))
        #expect(validator.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: withPort, parameters: params))
        #expect(validator.isValid(signature: "kvajT1Ptam85bY51eRf/AJRuM3w=", url: withPort, parameters: params))
    }

    @Test func duplicateKeysVector() {
        let duplicated = [FormField("Sid", "CA123"), FormField("SidAccount", "AC123"), FormField("Digits", "5678"), FormField("Digits", "1234")]
        #expect(validator.sign(url: url, parameters: duplicated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
        #expect(validator.isValid(signature: "IK+Dwps556ElfBT0I3Rgjkr1wJU=", url: url, parameters: duplicated))
        #expect(
            TwilioSignatureValidator.canonical(url: "", parameters: duplicated) == "Digits1234Digits5678SidCA123SidAccountAC123")
    }

    @Test func jsonBodyVector() {
        let body = #"{"property": "value", "boolean": true}"#
        let jsonURL = url + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        #expect(validator.sign(url: jsonURL) == "a9nBmqA0ju/hNViExpshrM61xv4=")
        #expect(validator.isValidJSONRequest(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: jsonURL, body: Array(body.utf8)))
        // Tampered body, missing hash, wrong signature.
        #expect(!validator.isValidJSONRequest(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: jsonURL, body: Array((body + " ").utf8)))
        #expect(!validator.isValidJSONRequest(signature: validator.sign(url: url), url: url, body: Array(body.utf8)))
        #expect(!validator.isValidJSONRequest(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: jsonURL, body: Array(body.utf8)))
    }

    @Test func webSocketUpgrade() {
        let wss = "wss://example.com/twilio/media"
        let signature = validator.sign(url: wss)
        #expect(validator.isValidWebSocketUpgrade(signature: signature, url: wss))
        #expect(validator.isValidWebSocketUpgrade(signature: signature, url: "wss://example.com:443/twilio/media"))
        #expect(!validator.isValidWebSocketUpgrade(signature: signature, url: "wss://example.com/twilio/other"))
        #expect(!validator.isValidWebSocketUpgrade(signature: nil, url: wss))
    }

    @Test func negativeCases() {
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        #expect(!validator.isValid(signature: nil, url: url, parameters: params))
        #expect(!validator.isValid(signature: "", url: url, parameters: params))
        #expect(!validator.isValid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8", url: url, parameters: params))
        #expect(!validator.isValid(signature: "XSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url, parameters: params))
        #expect(!TwilioSignatureValidator(authToken: "54321").isValid(signature: good, url: url, parameters: params))
        #expect(!validator.isValid(signature: good, url: url + "&baz=3", parameters: params))
        #expect(!validator.isValid(signature: good, url: url, parameters: params.dropLast()))
        #expect(!validator.isValid(signature: good, url: url, parameters: params + [FormField("Extra", "1")]))
        #expect(!validator.isValid(signature: good, url: "http://mycompany.com/myapp.php?foo=1&bar=2", parameters: params))
        // A non-default port is not stripped.
        #expect(!validator.isValid(signature: good, url: "https://mycompany.com:8443/myapp.php?foo=1&bar=2", parameters: params))
    }

    @Test func portVariants() {
        #expect(TwilioSignatureValidator.portVariants(of: "https://a.com/x") == ["https://a.com/x", "https://a.com:443/x"])
        #expect(TwilioSignatureValidator.portVariants(of: "http://a.com:80?q=1") == ["http://a.com:80?q=1", "http://a.com?q=1"])
        #expect(TwilioSignatureValidator.portVariants(of: "https://u:p@a.com") == ["https://u:p@a.com", "https://u:p@a.com:443"])
        #expect(TwilioSignatureValidator.portVariants(of: "https://[::1]:443/x") == ["https://[::1]:443/x", "https://[::1]/x"])
        #expect(TwilioSignatureValidator.portVariants(of: "https://a.com:8443/x") == ["https://a.com:8443/x"])
        #expect(TwilioSignatureValidator.portVariants(of: "not a url") == ["not a url"])
    }

    @Test func duplicateIdenticalValuesAcceptedEitherWay() {
        let fields = [FormField("A", "1"), FormField("A", "1")]
        #expect(validator.isValid(signature: validator.sign(url: url, parameters: fields), url: url, parameters: fields))
        // twilio-python signs sorted(set(values)).
        #expect(validator.isValid(signature: validator.sign(url: url, parameters: [FormField("A", "1")]), url: url, parameters: fields))
    }
}
