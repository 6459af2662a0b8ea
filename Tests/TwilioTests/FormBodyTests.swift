import Testing

@testable import Twilio

@Suite struct FormBodyTests {
    @Test func parsesOrderedRepeatedPlusAndPercent() throws {
        let form = try FormBody(parsing: "CallSid=CA123&From=%2B14158675309&Caller=John+Doe&Digits=1&Digits=2&Empty=&Flag&&X=%C3%A9%e2%82%ac")
        #expect(
            form.fields == [
                FormField("CallSid", "CA123"), FormField("From", "+14158675309"), FormField("Caller", "John Doe"),
                FormField("Digits", "1"), FormField("Digits", "2"), FormField("Empty", ""), FormField("Flag", ""),
                FormField("X", "é€"),
            ])
        #expect(form["Digits"] == "1")
        #expect(form.values("Digits") == ["1", "2"])
        #expect(form["Missing"] == nil)
        #expect(try FormBody(parsing: "").fields.isEmpty)
    }

    @Test func valueMayContainEquals() throws {
        #expect(try FormBody(parsing: "Twiml=%3CResponse%3E&a=b=c").fields == [FormField("Twiml", "<Response>"), FormField("a", "b=c")])
    }

    @Test(arguments: ["a=%", "a=%4", "a=%zz", "%G0=1"])
    func badPercentEscape(_ text: String) {
        #expect(throws: FormBodyError.self) { try FormBody(parsing: text) }
    }

    @Test func invalidUTF8() {
        #expect(throws: FormBodyError.invalidUTF8(offset: 2)) { try FormBody(parsing: "a=%FF") }
    }

    @Test func encodeRoundTrip() throws {
        let fields = [FormField("Twiml", #"<Response><Dial callerId="+1">+1555 &x</Dial></Response>"#), FormField("Status", "completed"), FormField("é", "a b")]
        let encoded = FormBody(fields).encoded
        #expect(!encoded.contains(" ") && !encoded.contains("<"))
        #expect(FormBody([FormField("Status", "completed")]).encoded == "Status=completed")
        #expect(try FormBody(parsing: encoded).fields == fields)
    }

    @Test func voiceWebhookFields() throws {
        let form = try FormBody(parsing: "CallSid=CA1&AccountSid=AC1&From=%2B1555&To=%2B1666&CallStatus=ringing&Direction=inbound&ApiVersion=2010-04-01&FromCity=X")
        let hook = try TwilioCallWebhook(form: form)
        #expect(hook == TwilioCallWebhook(callSid: "CA1", accountSid: "AC1", callStatus: .ringing, from: "+1555", to: "+1666", direction: "inbound"))
        #expect(!hook.callStatus.isFinal)
    }

    @Test func statusCallbackFields() throws {
        let form = try FormBody(parsing: "CallSid=CA1&AccountSid=AC1&CallStatus=completed&SequenceNumber=3&CallDuration=12")
        let hook = try TwilioCallWebhook(form: form)
        #expect(hook.callStatus == .completed && hook.callStatus.isFinal)
        #expect(hook.sequenceNumber == 3)
    }

    @Test func webhookMissingOrInvalidFields() throws {
        #expect(throws: TwilioWebhookError.missingField("CallSid")) {
            try TwilioCallWebhook(form: FormBody(parsing: "AccountSid=AC1&CallStatus=ringing"))
        }
        #expect(throws: TwilioWebhookError.missingField("CallStatus")) {
            try TwilioCallWebhook(form: FormBody(parsing: "CallSid=CA1&AccountSid=AC1&CallStatus="))
        }
        #expect(throws: TwilioWebhookError.invalidField(name: "SequenceNumber", value: "x")) {
            try TwilioCallWebhook(form: FormBody(parsing: "CallSid=CA1&AccountSid=AC1&CallStatus=completed&SequenceNumber=x"))
        }
    }
}
