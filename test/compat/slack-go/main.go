// A Go client of slackline's Web API: slack-go (Debian's golang-github-slack-go-slack-dev,
// 0.11.3) with OptionAPIURL. Prints one JSON object of what each call answered; a failed call
// prints its error string instead, so the test sees Slack's error codes as slack-go reports them.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/slack-go/slack"
)

func main() {
	api := slack.New(os.Getenv("SLACK_TOKEN"), slack.OptionAPIURL(os.Getenv("SLACK_API_URL")))
	out := map[string]interface{}{}
	record := func(name string, value interface{}, err error) {
		if err != nil {
			out[name] = "error: " + err.Error()
		} else {
			out[name] = value
		}
	}

	auth, err := api.AuthTest()
	if err == nil {
		record("auth", map[string]string{"team_id": auth.TeamID, "user_id": auth.UserID, "bot_id": auth.BotID}, nil)
	} else {
		record("auth", nil, err)
	}

	channel, ts, err := api.PostMessage("#ops",
		slack.MsgOptionText("Deploy *started* by <@alice>", false),
		slack.MsgOptionAttachments(slack.Attachment{Color: "warning", Title: "api", Text: "rolling out"}),
		slack.MsgOptionUsername("deploybot"))
	record("post", map[string]string{"channel": channel, "ts": ts}, err)

	_, _, text, err := api.UpdateMessage(channel, ts,
		slack.MsgOptionText("Deploy *finished*", false),
		slack.MsgOptionAttachments(slack.Attachment{Color: "good", Title: "api", Text: "done"}))
	record("update", text, err)

	_, replyTs, err := api.PostMessage(channel, slack.MsgOptionText("log line", false), slack.MsgOptionTS(ts))
	record("reply", replyTs != "", err)

	record("react", "ok", api.AddReaction("rocket", slack.NewRefToMessage(channel, ts)))

	info, err := api.GetConversationInfo(channel, false)
	if err == nil {
		record("info", map[string]interface{}{"name": info.Name, "is_channel": info.IsChannel}, nil)
	} else {
		record("info", nil, err)
	}

	user, err := api.GetUserByEmail("alice@example.com")
	if err == nil {
		record("user", user.Name, nil)
	} else {
		record("user", nil, err)
	}

	file, err := api.UploadFile(slack.FileUploadParameters{
		Channels: []string{channel}, Filename: "build.log", Reader: strings.NewReader("line 1\nline 2\n"), InitialComment: "the log",
	})
	if err == nil {
		record("file", file.Name, nil)
	} else {
		record("file", nil, err)
	}

	_, _, err = api.DeleteMessage(channel, replyTs)
	record("delete", "ok", err)
	_, _, err = api.DeleteMessage(channel, replyTs)
	record("delete_again", "ok", err)

	encoded, _ := json.Marshal(out)
	fmt.Println(string(encoded))
}
